// The demo client: a single-page application (a public OAuth client) that
// signs in at this authorization server with the authorization code flow and
// PKCE (RFC 7636, S256), then calls the demo API with its access token. It
// is what a browser application does with any OpenID Provider; nothing in it
// is specific to Gatehouse.
'use strict';

(() => {
  const app = document.getElementById('app');
  const issuer = app.dataset.issuer;
  const clientId = app.dataset.clientId;
  const redirectUri = issuer + '/';
  const $ = (id) => document.getElementById(id);
  const saved = window.sessionStorage;
  let tokens = null;

  // The redirect URI is registered on the issuer's origin, and the PKCE
  // verifier is kept in this origin's storage: run on that origin only.
  if (location.origin !== new URL(issuer).origin) {
    location.replace(redirectUri);
    return;
  }

  function b64url(bytes) {
    let s = '';
    for (const b of bytes) s += String.fromCharCode(b);
    return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  function randomString() {
    return b64url(crypto.getRandomValues(new Uint8Array(32)));
  }

  async function s256(text) {
    const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
    return b64url(new Uint8Array(digest));
  }

  function showError(code, description) {
    const el = $('error');
    el.textContent = '';
    const strong = document.createElement('strong');
    strong.textContent = code || 'error';
    el.append(strong);
    if (description) el.append(': ' + description);
    el.hidden = false;
  }

  function clearError() {
    $('error').hidden = true;
    $('error').textContent = '';
  }

  // Sign in: remember a fresh verifier, state and nonce, and send the
  // browser to the authorization endpoint.
  async function login() {
    clearError();
    const request = { verifier: randomString(), state: randomString(), nonce: randomString() };
    saved.setItem('oauth-request', JSON.stringify(request));
    const q = new URLSearchParams({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: redirectUri,
      scope: 'openid profile email address',
      state: request.state,
      nonce: request.nonce,
      code_challenge: await s256(request.verifier),
      code_challenge_method: 'S256',
    });
    const prompt = $('prompt').value;
    if (prompt) q.set('prompt', prompt);
    location.assign('/authorize?' + q);
  }

  // The authorization response: check that it answers our request (state,
  // and iss per RFC 9207), then redeem the code with the verifier.
  async function callback(params) {
    history.replaceState(null, '', '/');
    const request = JSON.parse(saved.getItem('oauth-request') || 'null');
    saved.removeItem('oauth-request');
    if (!request || params.get('state') !== request.state) {
      showError('invalid_state', 'this response does not answer a request of this page');
      return;
    }
    if (params.get('iss') !== issuer) {
      showError('invalid_issuer', 'the response comes from ' + params.get('iss') + ', not ' + issuer);
      return;
    }
    if (params.has('error')) {
      showError(params.get('error'), params.get('error_description'));
      return;
    }
    const ok = await tokenRequest({
      grant_type: 'authorization_code',
      code: params.get('code'),
      redirect_uri: redirectUri,
      code_verifier: request.verifier,
    });
    if (!ok) return;
    const claims = idTokenClaims(tokens.id_token);
    if (!claims || claims.nonce !== request.nonce) {
      showError('invalid_nonce', 'the ID token does not carry the nonce of this request');
      tokens = null;
      return;
    }
    await show();
  }

  async function tokenRequest(params) {
    const res = await fetch('/token', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: clientId, ...params }),
    });
    const body = await res.json().catch(() => ({ error: 'server_error', error_description: 'HTTP ' + res.status }));
    if (!res.ok) {
      showError(body.error, body.error_description);
      return false;
    }
    tokens = { ...tokens, ...body };
    return true;
  }

  // The ID token came straight from the token endpoint over this origin's
  // connection, so its claims are read without checking the signature
  // (OIDC Core §3.1.3.7, item 6). A server-side client checks it with the
  // keys of /jwks.
  function idTokenClaims(idToken) {
    if (!idToken) return null;
    try {
      const part = idToken.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
      const bytes = Uint8Array.from(atob(part), (c) => c.charCodeAt(0));
      return JSON.parse(new TextDecoder().decode(bytes));
    } catch {
      return null;
    }
  }

  async function show() {
    $('signed-out').hidden = true;
    $('signed-in').hidden = false;
    const claims = idTokenClaims(tokens.id_token) || {};
    $('welcome').textContent = 'Signed in as ' + (claims.name || claims.sub) + '.';
    $('access-token').textContent = tokens.access_token;
    $('refresh-token').textContent = tokens.refresh_token || '(none)';
    $('token-meta').textContent = [tokens.token_type, tokens.expires_in, tokens.scope].join(', ');
    $('id-token').textContent = tokens.id_token || '';
    $('claims').textContent = JSON.stringify(claims, null, 2);
    await callAPIs();
  }

  async function get(path, into) {
    const res = await fetch(path, { headers: { Authorization: 'Bearer ' + tokens.access_token } });
    if (res.ok) {
      $(into).textContent = JSON.stringify(await res.json(), null, 2);
    } else {
      $(into).textContent = 'HTTP ' + res.status + '\nWWW-Authenticate: ' + (res.headers.get('WWW-Authenticate') || '');
    }
  }

  async function callAPIs() {
    await Promise.all([get('/api/time', 'api-time'), get('/api/me', 'api-me'), get('/userinfo', 'userinfo')]);
  }

  async function refresh() {
    clearError();
    if (!tokens.refresh_token) return;
    if (await tokenRequest({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token })) await show();
  }

  // Sign out of the client: revoke the refresh token (RFC 7009), which
  // revokes the access tokens of its grant, and forget the tokens.
  async function signOut() {
    clearError();
    const token = tokens.refresh_token || tokens.access_token;
    await fetch('/revoke', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: clientId, token }),
    });
    tokens = null;
    $('signed-in').hidden = true;
    $('signed-out').hidden = false;
  }

  function guard(fn) {
    return () => fn().catch((err) => showError('client_error', String(err)));
  }

  $('login').addEventListener('click', guard(login));
  $('call-api').addEventListener('click', guard(callAPIs));
  $('refresh').addEventListener('click', guard(refresh));
  $('signout').addEventListener('click', guard(signOut));

  const params = new URLSearchParams(location.search);
  if (params.has('code') || params.has('error')) guard(() => callback(params))();
})();
