/* feedgen-news embed.js: lists a JSON Feed's latest items in every
 * <div data-feedgen-news="https://host/topics/x/feed.json" data-limit="5"></div>.
 * No dependencies, ES2017. Feed data only ever reaches the page through textContent and
 * http(s)-checked href attributes, never as markup. Style it with the feedgen-news-* classes. */
(function () {
  'use strict';
  var ATTR = 'data-feedgen-news';
  var STATE = 'data-feedgen-news-state'; // loading | done | failed: also stops double rendering

  function httpUrl(value) {
    if (typeof value !== 'string') return null;
    try {
      var url = new URL(value);
      return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
    } catch (e) {
      return null;
    }
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function link(href, text) {
    var a = el('a', null, text);
    a.href = href;
    a.target = '_blank';
    a.rel = 'noopener';
    return a;
  }

  function item(entry) {
    var li = el('li', 'feedgen-news-item');
    var title = typeof entry.title === 'string' && entry.title.trim() ? entry.title : null;
    var href = httpUrl(entry.url) || httpUrl(entry.external_url);
    if (href) li.appendChild(link(href, title || href));
    else if (title) li.appendChild(el('span', 'feedgen-news-title', title));
    else return null;
    var meta = el('span', 'feedgen-news-meta');
    var date = new Date(entry.date_published);
    if (typeof entry.date_published === 'string' && !isNaN(date)) {
      var time = el('time', null, date.toLocaleDateString(undefined, { dateStyle: 'medium' }));
      time.dateTime = date.toISOString();
      meta.appendChild(time);
    }
    var author = Array.isArray(entry.authors) && entry.authors[0];
    if (author && typeof author.name === 'string' && author.name) {
      if (meta.firstChild) meta.appendChild(document.createTextNode(' · '));
      meta.appendChild(el('span', 'feedgen-news-provider', author.name));
    }
    if (meta.firstChild) {
      li.appendChild(document.createTextNode(' '));
      li.appendChild(meta);
    }
    return li;
  }

  function fallback(box, feedUrl) {
    box.setAttribute(STATE, 'failed');
    box.textContent = '';
    var p = el('p', 'feedgen-news-fallback');
    var text = box.getAttribute('data-fallback-text') || 'Open the news feed';
    if (feedUrl) p.appendChild(link(feedUrl, text));
    box.appendChild(p);
  }

  async function render(box) {
    if (box.hasAttribute(STATE)) return;
    box.setAttribute(STATE, 'loading');
    var feedUrl = httpUrl(box.getAttribute(ATTR));
    var limit = parseInt(box.getAttribute('data-limit'), 10);
    limit = limit > 0 ? Math.min(limit, 100) : 5;
    try {
      if (!feedUrl) throw new Error('data-feedgen-news is not an http(s) URL');
      var response = await fetch(feedUrl, { credentials: 'omit', mode: 'cors' });
      if (!response.ok) throw new Error('HTTP ' + response.status);
      var feed = await response.json();
      if (!feed || !Array.isArray(feed.items)) throw new Error('not a JSON Feed');
      var list = el('ul', 'feedgen-news');
      for (var i = 0; i < feed.items.length && list.childNodes.length < limit; i++) {
        var li = feed.items[i] && typeof feed.items[i] === 'object' ? item(feed.items[i]) : null;
        if (li) list.appendChild(li);
      }
      box.textContent = '';
      box.appendChild(list);
      box.setAttribute(STATE, 'done');
    } catch (e) {
      fallback(box, feedUrl);
    }
  }

  function scan() {
    var boxes = document.querySelectorAll('[' + ATTR + ']');
    for (var i = 0; i < boxes.length; i++) render(boxes[i]);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', scan);
  else scan();
})();
