"""The bad-input corpus (tests/fixtures/records): one small file per failure mode, and exactly
what a user reads about each. Shared by the parser's tests and the build's."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures" / "records"
# What every "cannot parse" date message suggests.
SHAPES = "use ISO 8601 like 2024-02-03T10:00:00Z, or RFC 2822 like Sat, 03 Feb 2024 10:00:00 +0000"

REJECTED: dict[str, list[str]] = {
    "bad/missing_title.txt": ["bad/missing_title.txt: title: missing (required)"],
    "bad/blank_title.txt": ["bad/blank_title.txt:2:8: title: empty"],
    "bad/title_is_a_list.txt": ["bad/title_is_a_list.txt:3:3: title: must be text, got a list"],
    "bad/missing_source_url.txt": ["bad/missing_source_url.txt: sourceUrl: missing (required)"],
    "bad/relative_source_url.txt": [
        "bad/relative_source_url.txt:3:12: sourceUrl: not an absolute http(s) URL: '/news/1.html'"
    ],
    "bad/javascript_source_url.txt": [
        "bad/javascript_source_url.txt:3:12: sourceUrl: not an absolute http(s) URL:"
        " 'javascript:alert(1)'"
    ],
    "bad/missing_published_date_time.txt": [
        "bad/missing_published_date_time.txt: publishedDateTime: missing (required)"
    ],
    "bad/unparseable_date.txt": [
        f"bad/unparseable_date.txt:5:20: publishedDateTime: cannot parse 'next tuesday' ({SHAPES})"
    ],
    "bad/date_without_a_day.txt": [
        f"bad/date_without_a_day.txt:4:20: publishedDateTime: cannot parse 'March 2026' ({SHAPES})"
    ],
    "bad/date_with_unknown_time_zone.txt": [
        "bad/date_with_unknown_time_zone.txt:4:20: publishedDateTime:"
        " unknown time zone 'EST': write an offset such as -05:00"
    ],
    "bad/date_is_a_number.txt": [
        "bad/date_is_a_number.txt:4:20: publishedDateTime: must be a date and time, got a number"
    ],
    "bad/all_required_fields_wrong.txt": [
        "bad/all_required_fields_wrong.txt:2:8: title: must be text, got a list",
        "bad/all_required_fields_wrong.txt:3:12: sourceUrl: not an absolute http(s) URL:"
        " 'ftp://example.org/x'",
        "bad/all_required_fields_wrong.txt:4:20: publishedDateTime: cannot parse 'soon'"
        f" ({SHAPES})",
    ],
    "bad/no_front_matter.txt": [
        "bad/no_front_matter.txt:1: no front matter: the first line must be exactly '---'"
    ],
    "bad/unterminated_front_matter.txt": [
        "bad/unterminated_front_matter.txt:1: front matter not closed: no line '---' after line 1"
    ],
    "bad/fence_not_alone_on_its_line.txt": [
        "bad/fence_not_alone_on_its_line.txt:1: front matter not closed: no line '---' after line 1"
    ],
    "bad/only_a_fence.txt": [
        "bad/only_a_fence.txt:1: front matter not closed: no line '---' after line 1"
    ],
    "bad/yaml_syntax_error.txt": [
        "bad/yaml_syntax_error.txt:7:1: invalid YAML: found unexpected end of stream"
        " (while scanning a quoted scalar started on line 5)"
    ],
    "bad/yaml_tab_indentation.txt": [
        "bad/yaml_tab_indentation.txt:6:1: invalid YAML: found character that cannot start"
        " any token; indent with spaces, not tabs"
    ],
    "bad/yaml_python_tag.txt": [
        "bad/yaml_python_tag.txt:2:8: invalid YAML: could not determine a constructor for the"
        " tag 'tag:yaml.org,2002:python/object/apply:os.system'"
    ],
    "bad/front_matter_is_a_list.txt": [
        "bad/front_matter_is_a_list.txt:2:1: front matter must be a mapping of keys to values,"
        " got a list"
    ],
    "bad/front_matter_is_a_string.txt": [
        "bad/front_matter_is_a_string.txt:2:1: front matter must be a mapping of keys to"
        " values, got a string"
    ],
    "bad/empty_front_matter.txt": ["bad/empty_front_matter.txt:1: front matter is empty"],
    "bad/alias_bomb.txt": [
        "bad/alias_bomb.txt:2:4: YAML anchors and aliases (&name, *name) are not allowed in records"
    ],
    "bad/alias_to_scalar.txt": [
        "bad/alias_to_scalar.txt:2:7: YAML anchors and aliases (&name, *name) are not allowed"
        " in records"
    ],
    "bad/nesting_1001_deep.txt": [
        "bad/nesting_1001_deep.txt:5:1008: invalid YAML: exceeded maximum nesting depth"
    ],
    "bad/empty.txt": ["bad/empty.txt: empty file"],
    "bad/binary_nul_bytes.txt": [
        "bad/binary_nul_bytes.txt:2:9: binary file (NUL byte), not a text record"
    ],
    "bad/invalid_utf8.txt": [
        "bad/invalid_utf8.txt:5:13: not valid UTF-8 (byte 0xE9); save it as UTF-8"
    ],
    "bad/utf16_encoded.txt": ["bad/utf16_encoded.txt: encoded as UTF-16; save it as UTF-8"],
    "bad/blockquotes_nested_101_deep.md": [
        "bad/blockquotes_nested_101_deep.md: body: Markdown nested more than 100 levels deep"
    ],
}

WARNED: dict[str, list[str]] = {
    "warn/format_unknown.md": [
        "warn/format_unknown.md:5:9: warning: format: must be one of auto, markdown, text, html,"
        " got 'docx'; body_format used"
    ],
    "warn/image_without_url.txt": [
        "warn/image_without_url.txt:6:5: warning: images[0].url: missing; image dropped"
    ],
    "warn/image_urls_not_http.txt": [
        f"warn/image_urls_not_http.txt:{line}:10: warning: images[{i}].url: not an absolute"
        f" http(s) URL: {url!r}; dropped"
        for i, (line, url) in enumerate(
            [
                (6, "javascript:alert(1)"),
                (7, "data:image/png;base64,iVBORw0KGgo="),
                (8, "file:///etc/passwd"),
                (9, "/images/relative.jpg"),
            ]
        )
    ],
    "warn/image_width_not_a_number.txt": [
        "warn/image_width_not_a_number.txt:7:12: warning: images[0].width: must be a whole"
        " number, got '940'; used 940",
        "warn/image_width_not_a_number.txt:8:13: warning: images[0].height: must be a positive"
        " whole number, got 'tall'; dropped",
        "warn/image_width_not_a_number.txt:10:12: warning: images[1].width: must be a positive"
        " whole number, got -3; dropped",
        "warn/image_width_not_a_number.txt:11:13: warning: images[1].height: must be a whole"
        " number, got 630.0; used 630",
    ],
    "warn/images_not_a_list.txt": [
        "warn/images_not_a_list.txt:6:3: warning: images: must be a list, got a mapping;"
        " used as a list of one"
    ],
    "warn/topics_not_a_list.txt": [
        "warn/topics_not_a_list.txt:5:9: warning: topics: must be a list, got a string;"
        " used as a list of one"
    ],
    "warn/topics_a_mapping.txt": [
        "warn/topics_a_mapping.txt:6:3: warning: topics: must be a list, got a mapping; dropped"
    ],
    "warn/topics_blank_duplicate_and_odd.txt": [
        "warn/topics_blank_duplicate_and_odd.txt:8:5: warning: topics[2]: empty topic; dropped",
        "warn/topics_blank_duplicate_and_odd.txt:9:5: warning: topics[3]: must be text, got a"
        " list; dropped",
    ],
    "warn/related_not_a_list.txt": [
        "warn/related_not_a_list.txt:5:10: warning: related: must be a list, got a string; dropped"
    ],
    "warn/related_without_source_url.txt": [
        "warn/related_without_source_url.txt:6:5: warning: related[0].sourceUrl: missing;"
        " related link dropped"
    ],
    "warn/related_without_title.txt": [
        "warn/related_without_title.txt:6:5: warning: related[0].title: missing; related link"
        " dropped"
    ],
    "warn/related_bad_parts.txt": [
        "warn/related_bad_parts.txt:8:24: warning: related[0].publishedDateTime: cannot parse"
        f" 'yesterday' ({SHAPES}); dropped",
        "warn/related_bad_parts.txt:9:15: warning: related[0].provider: a plain string; used as"
        " the provider's name",
        "warn/related_bad_parts.txt:10:5: warning: related[1]: must be a mapping, got a string;"
        " dropped",
    ],
    "warn/provider_bare_string.txt": [
        "warn/provider_bare_string.txt:5:11: warning: provider: a plain string; used as the"
        " provider's name"
    ],
    "warn/provider_bad_domain.txt": [
        "warn/provider_bad_domain.txt:7:11: warning: provider.domain: not a host name:"
        " 'not a host/../x'; dropped"
    ],
    "warn/provider_without_name.txt": [
        "warn/provider_without_name.txt:6:3: warning: provider.name: missing; provider dropped"
    ],
    "warn/amp_urls_not_http.txt": [
        "warn/amp_urls_not_http.txt:5:9: warning: ampUrl: not an absolute http(s) URL:"
        " 'javascript:alert(1)'; dropped",
        "warn/amp_urls_not_http.txt:6:12: warning: cdnAmpUrl: not an absolute http(s) URL:"
        " '//cdn.example.org/amp'; dropped",
    ],
    "warn/published_not_a_boolean.txt": [
        "warn/published_not_a_boolean.txt:5:12: warning: published: must be true or false, got"
        " 'maybe'; treated as NOT published"
    ],
    "warn/published_empty.txt": [
        "warn/published_empty.txt:5:11: warning: published: must be true or false, got nothing;"
        " treated as NOT published"
    ],
    "warn/control_characters.txt": [
        "warn/control_characters.txt:2:14: warning: removed 2 control character(s) (first: U+0001)"
    ],
    "warn/category_not_text.txt": [
        "warn/category_not_text.txt:5:11: warning: category: must be text, got a list; dropped",
        "warn/category_not_text.txt:6:10: warning: excerpt: must be text, got a mapping; dropped",
    ],
}

GOOD = sorted(p.relative_to(FIXTURES).as_posix() for p in (FIXTURES / "good").iterdir())
