/*! Cairn onsite tracker: the `_learnq` queue and `klaviyo` object, for a self-hosted Cairn. Apache-2.0 */
/*
 * Loaded async from the Cairn server (`/onsite/js/klaviyo.js?company_id=PUBLIC_KEY`); it sends
 * Track and Identify calls back to the origin it was loaded from. Nothing here may throw into
 * the page: every entry point catches, and a server that is down only loses the calls.
 *
 * Identity lives in the first-party cookie `__kla_id` (base64 JSON): the browser's identifiers
 * (`$email`, `$phone_number`, `$id`, `$exchange_id`), a random browser id `cid`, and the time of
 * the last "Active on Site" event. Only a browser with an identifier is tracked.
 */
(() => {
  'use strict';

  const COOKIE = '__kla_id';
  const COOKIE_SECONDS = 2 * 365 * 24 * 3600;
  const ACTIVE_EVERY_MS = 30 * 60 * 1000;
  const VIEWED_KEY = '__kla_viewed';
  const VIEWED_MAX = 20;
  // Wire spellings of each identifier, `$` form first: it wins when both are given.
  const SPELLINGS = [
    ['$email', '$email'], ['email', '$email'],
    ['$phone_number', '$phone_number'], ['phone_number', '$phone_number'],
    ['$id', '$id'], ['id', '$id'],
    ['$exchange_id', '$exchange_id'],
  ];
  const IDENTIFIERS = ['$email', '$phone_number', '$id', '$exchange_id'];

  const win = window;
  const doc = document;

  const isObject = (value) => value !== null && typeof value === 'object' && !Array.isArray(value);
  const quietly = (fn, fallback) => {
    try {
      return fn();
    } catch (error) {
      return fallback;
    }
  };

  // Where to send, and for which account: set from the script tag and `account` commands.
  const settings = { origin: location.origin, token: '', cookieDomain: '' };

  // --- encoding ----------------------------------------------------------------------------

  const toBase64 = (text) => {
    let binary = '';
    new TextEncoder().encode(text).forEach((byte) => { binary += String.fromCharCode(byte); });
    return btoa(binary);
  };
  const fromBase64 = (data) =>
    new TextDecoder().decode(Uint8Array.from(atob(data), (char) => char.charCodeAt(0)));

  // --- the cookie --------------------------------------------------------------------------

  const readCookie = () => {
    const match = doc.cookie.match(new RegExp(`(?:^|;\\s*)${COOKIE}=([^;]*)`));
    const value = match && quietly(() => JSON.parse(fromBase64(decodeURIComponent(match[1]))));
    return isObject(value) ? value : {};
  };

  const writeCookie = (value) => {
    let cookie = `${COOKIE}=${toBase64(JSON.stringify(value))};path=/;max-age=${COOKIE_SECONDS};samesite=lax`;
    if (settings.cookieDomain) cookie += `;domain=${settings.cookieDomain}`;
    if (location.protocol === 'https:') cookie += ';secure';
    doc.cookie = cookie;
  };

  const randomId = () => {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return btoa(String.fromCharCode.apply(null, bytes));
  };

  /** The identifiers in `properties`, under their `$` names (emails trimmed, lower-cased). */
  const identifiersIn = (properties) => {
    const found = {};
    SPELLINGS.forEach(([key, name]) => {
      const value = properties[key];
      if (found[name] === undefined && (typeof value === 'string' || typeof value === 'number')) {
        const text = String(value).trim();
        if (text) found[name] = name === '$email' ? text.toLowerCase() : text;
      }
    });
    return found;
  };

  /** The browser's identity from the cookie; null when the browser is anonymous. */
  const identity = (cookie) => {
    const found = {};
    IDENTIFIERS.forEach((name) => {
      if (typeof cookie[name] === 'string' && cookie[name]) found[name] = cookie[name];
    });
    return Object.keys(found).length ? found : null;
  };

  /** Store new identifiers. Another person's replace the stored identity (the browser id stays),
   * so two people are never linked: an identifier that differs from the stored one, or a new
   * exchange id (it names one profile exactly; the stored identifiers may be someone else's). */
  const remember = (incoming) => {
    const cookie = readCookie();
    const otherPerson = Object.keys(incoming).some((name) =>
      cookie[name] !== incoming[name] && (Boolean(cookie[name]) || name === '$exchange_id'));
    const next = Object.assign(otherPerson ? { cid: cookie.cid } : cookie, incoming);
    next.cid = next.cid || randomId();
    writeCookie(next);
    return next;
  };

  // --- transport ---------------------------------------------------------------------------

  /** GET /api/PATH?data=base64(JSON); resolves true when the server answered `1`. */
  const send = (path, payload) => {
    const url = `${settings.origin}/api/${path}?data=${encodeURIComponent(toBase64(JSON.stringify(payload)))}`;
    return fetch(url, { credentials: 'omit', keepalive: url.length < 60000 })
      .then((response) => response.text())
      .then((text) => text === '1')
      .catch(() => false);
  };

  // --- commands ----------------------------------------------------------------------------

  const track = (event, properties) => {
    const who = identity(readCookie());
    if (!who || !settings.token || typeof event !== 'string' || !event) return Promise.resolve(false);
    return send('track', {
      token: settings.token,
      event,
      customer_properties: who,
      properties: isObject(properties) ? properties : {},
    });
  };

  const activeOnSite = () => {
    const cookie = readCookie();
    const now = Date.now();
    if (!identity(cookie) || !settings.token || Math.abs(now - (cookie.active || 0)) < ACTIVE_EVERY_MS) return;
    cookie.active = now;
    writeCookie(cookie);
    track('Active on Site', { page: location.href, $use_ip: true, $is_session_activity: true });
  };

  /** Resolves with the browser's identifiers (after sending, when it is known). */
  const identify = (properties) => {
    const given = isObject(properties) ? properties : {};
    const incoming = identifiersIn(given);
    const cookie = Object.keys(incoming).length ? remember(incoming) : readCookie();
    const who = identity(cookie);
    if (!who) return Promise.resolve({});
    activeOnSite();
    if (!settings.token || (!Object.keys(incoming).length && !Object.keys(given).length)) {
      return Promise.resolve(who);
    }
    return send('identify', { token: settings.token, properties: Object.assign({}, given, who) })
      .then(() => who);
  };

  const storage = () => quietly(() => win.localStorage, null);

  /** Keep a rolling list of viewed items (newest first) and put it on the profile. */
  const trackViewedItem = (item) => {
    if (!isObject(item)) return Promise.resolve({});
    const key = (entry) => entry.ItemId || entry.Url || entry.Title;
    const stored = quietly(() => JSON.parse(storage().getItem(VIEWED_KEY)));
    const viewed = (Array.isArray(stored) ? stored : []).filter((entry) => isObject(entry) && key(entry) !== key(item));
    viewed.unshift(Object.assign({}, item, { LastViewedDate: Math.floor(Date.now() / 1000) }));
    viewed.length = Math.min(viewed.length, VIEWED_MAX);
    quietly(() => storage().setItem(VIEWED_KEY, JSON.stringify(viewed)));
    return identify({ $viewed_items: viewed });
  };

  const commands = {
    account: (key) => {
      settings.token = String(key || '');
      activeOnSite();
    },
    cookieDomain: (domain) => {
      settings.cookieDomain = String(domain || '');
    },
    identify,
    track,
    trackViewedItem,
  };

  /** Run one queued command, `[name, ...args]`, optionally ending with a callback; resolves
   * with the command's result (undefined for a command this tracker does not know). */
  const run = (command) => quietly(() => {
    if (typeof command === 'function') return Promise.resolve(command());
    const args = Array.isArray(command) ? command.slice(1) : [];
    const callback = typeof args[args.length - 1] === 'function' ? args.pop() : null;
    const known = Array.isArray(command) && commands.hasOwnProperty(command[0]);
    const result = Promise.resolve(known ? commands[command[0]].apply(null, args) : undefined);
    if (callback) result.then((value) => quietly(() => callback(value)));
    return result;
  }, Promise.resolve());

  const isSetting = (command) => Array.isArray(command) && (command[0] === 'account' || command[0] === 'cookieDomain');

  /** Replace `push` of a queue (creating it when absent), then run what it held, settings first
   * (an `account` pushed after an `identify` still applies to it), after `first`. */
  const takeOver = (name, first) => {
    const queue = Array.isArray(win[name]) ? win[name] : [];
    const waiting = queue.splice(0, queue.length);
    queue.push = function () {
      [].slice.call(arguments).forEach(run);
      return 0;
    };
    win[name] = queue;
    waiting.filter(isSetting).concat(first, waiting.filter((command) => !isSetting(command))).forEach(run);
    return queue;
  };

  /** The tracker's own script tag: its origin is the server, its `company_id` the account. */
  const findScript = () => doc.currentScript || [].slice.call(doc.getElementsByTagName('script'))
    .filter((tag) => /\/(klaviyo|cairn|analytics)\.js(\?|$)/.test(tag.src))[0];

  const start = () => {
    if (win.__cairnOnsite) return; // loaded twice: the first copy already owns the queues
    win.__cairnOnsite = true;
    const script = findScript();
    if (script) {
      const url = new URL(script.src, location.href);
      settings.origin = url.origin;
      settings.token = url.searchParams.get('company_id') || '';
    }
    // An email link's `?_kx=` identifies the browser before anything queued runs.
    const kx = new URLSearchParams(location.search).get('_kx');
    const learnq = takeOver('_learnq', kx ? [['identify', { $exchange_id: kx }]] : []);
    learnq.identify = () => identity(readCookie()) || {};
    const method = (name) => (...args) => run([name, ...args]);
    win.klaviyo = {
      push: learnq.push,
      isIdentified: () => Promise.resolve(Boolean(identity(readCookie()))),
    };
    Object.keys(commands).forEach((name) => { win.klaviyo[name] = method(name); });
    takeOver('_klOnsite', []);
    activeOnSite();
  };

  quietly(start);
})();
