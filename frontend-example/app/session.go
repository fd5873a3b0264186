package app

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"sync"
	"time"

	gatehouse "github.com/gatehouse-oss/gatehouse/sdk"
)

// Bounds of the in-memory session store: a browser that never logs in
// still gets a session (its login form needs a CSRF token), so the number of
// sessions and of authorization requests each may hold are capped.
const (
	maxSessions          = 5000
	maxPendingPerSession = 4
	// interactionTTL is how long an unfinished login or consent lasts, and
	// how long a session that never logged in is kept.
	interactionTTL = 30 * time.Minute
)

// session is one browser's state at the frontend, found by the random id in
// its cookie. subject is empty until the end-user logs in.
type session struct {
	id       string
	csrf     string // the token every form of this session carries
	subject  string
	authTime time.Time
	expires  time.Time
	// pending are the authorization requests waiting for this browser's
	// login or consent, by a random interaction id. They hold the engine's
	// ticket, which never leaves the server: a form names the interaction,
	// and only the session that started it can finish it.
	pending map[string]*pending
}

// pending is an authorization request waiting for the end-user.
type pending struct {
	id  string
	res *gatehouse.AuthorizationResponse // the engine's INTERACTION answer, read only
	// authenticated is set when the end-user logged in for this request,
	// which satisfies prompt=login and max_age.
	authenticated bool
	loginError    string
	expires       time.Time
}

// view is a copy of a session's fields for one request.
type view struct {
	id, csrf, subject string
	authTime          time.Time
}

func (v view) loggedIn() bool { return v.subject != "" }

// checkCSRF reports whether token is this session's CSRF token, in constant
// time.
func (v view) checkCSRF(token string) bool {
	return v.csrf != "" && subtle.ConstantTimeCompare([]byte(v.csrf), []byte(token)) == 1
}

// sessionStore keeps the sessions in memory: a restart logs everyone out,
// which is what a demo wants. A frontend with several instances keeps them
// in a shared store instead.
type sessionStore struct {
	mu       sync.Mutex
	sessions map[string]*session
	ttl      time.Duration // of a logged-in session
	now      func() time.Time
}

func newSessionStore(ttl time.Duration, now func() time.Time) *sessionStore {
	return &sessionStore{sessions: map[string]*session{}, ttl: ttl, now: now}
}

// randomToken is 256 random bits, base64url: session ids, CSRF tokens and
// interaction ids.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand, Go ≥ 1.24)
	return base64.RawURLEncoding.EncodeToString(b)
}

// get returns the live session named by id.
func (st *sessionStore) get(id string) (view, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	s, ok := st.live(id)
	if !ok {
		return view{}, false
	}
	return s.view(), true
}

func (st *sessionStore) live(id string) (*session, bool) {
	s, ok := st.sessions[id]
	if !ok {
		return nil, false
	}
	if !st.now().Before(s.expires) {
		delete(st.sessions, id)
		return nil, false
	}
	return s, true
}

func (s *session) view() view {
	return view{id: s.id, csrf: s.csrf, subject: s.subject, authTime: s.authTime}
}

// create starts an anonymous session.
func (st *sessionStore) create() view {
	st.mu.Lock()
	defer st.mu.Unlock()
	s := &session{id: randomToken(), csrf: randomToken(), expires: st.now().Add(interactionTTL), pending: map[string]*pending{}}
	st.insert(s)
	return s.view()
}

// insert adds s, making room when the store is full: first by dropping
// expired sessions, then the one closest to expiring.
func (st *sessionStore) insert(s *session) {
	if len(st.sessions) >= maxSessions {
		now := st.now()
		var oldest *session
		for id, o := range st.sessions {
			if !now.Before(o.expires) {
				delete(st.sessions, id)
			} else if oldest == nil || o.expires.Before(oldest.expires) {
				oldest = o
			}
		}
		if len(st.sessions) >= maxSessions && oldest != nil {
			delete(st.sessions, oldest.id)
		}
	}
	st.sessions[s.id] = s
}

// addPending keeps res for the session's login or consent and returns the
// interaction id the pages name it by. A session holds a few at most (one
// per tab); the oldest gives way.
func (st *sessionStore) addPending(sid string, res *gatehouse.AuthorizationResponse) (string, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	s, ok := st.live(sid)
	if !ok {
		return "", false
	}
	now := st.now()
	for id, p := range s.pending {
		if !now.Before(p.expires) {
			delete(s.pending, id)
		}
	}
	if len(s.pending) >= maxPendingPerSession {
		var oldest *pending
		for _, p := range s.pending {
			if oldest == nil || p.expires.Before(oldest.expires) {
				oldest = p
			}
		}
		delete(s.pending, oldest.id)
	}
	p := &pending{id: randomToken(), res: res, expires: now.Add(interactionTTL)}
	s.pending[p.id] = p
	if s.subject == "" && s.expires.Before(p.expires) {
		s.expires = p.expires
	}
	return p.id, true
}

// pending returns a copy of the session's interaction pid.
func (st *sessionStore) pending(sid, pid string) (pending, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	p, ok := st.livePending(sid, pid)
	if !ok {
		return pending{}, false
	}
	return *p, true
}

func (st *sessionStore) livePending(sid, pid string) (*pending, bool) {
	s, ok := st.live(sid)
	if !ok {
		return nil, false
	}
	p, ok := s.pending[pid]
	if !ok {
		return nil, false
	}
	if !st.now().Before(p.expires) {
		delete(s.pending, pid)
		return nil, false
	}
	return p, true
}

// take removes the session's interaction pid and returns it: its ticket is
// single use, so only one request may go on to issue or fail with it.
func (st *sessionStore) take(sid, pid string) (pending, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	p, ok := st.livePending(sid, pid)
	if !ok {
		return pending{}, false
	}
	delete(st.sessions[sid].pending, pid)
	return *p, true
}

// setLoginError records why a login of interaction pid failed, for its page.
func (st *sessionStore) setLoginError(sid, pid, msg string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if p, ok := st.livePending(sid, pid); ok {
		p.loginError = msg
	}
}

// login records that the end-user subject authenticated at authTime for
// interaction pid. The session is replaced by a new one, with a new id and
// a new CSRF token, so that an id planted in the browser before the login
// is worth nothing after it (session fixation); the new session keeps the
// old one's unfinished interactions.
func (st *sessionStore) login(sid, pid, subject string, authTime time.Time) (view, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	old, ok := st.live(sid)
	if !ok {
		return view{}, false
	}
	p, ok := old.pending[pid]
	if !ok {
		return view{}, false
	}
	p.authenticated, p.loginError = true, ""
	delete(st.sessions, sid)
	s := &session{
		id: randomToken(), csrf: randomToken(), subject: subject, authTime: authTime,
		expires: authTime.Add(st.ttl), pending: old.pending,
	}
	st.insert(s)
	return s.view(), true
}

// logout ends the session.
func (st *sessionStore) logout(sid string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	delete(st.sessions, sid)
}

// consentStore remembers what each end-user granted each client, so that
// the consent page is shown once, not at every sign-in, and prompt=none can
// succeed. In memory, like the sessions.
type consentStore struct {
	mu      sync.Mutex
	granted map[consentKey]map[string]bool
}

type consentKey struct {
	subject  string
	clientID int64
}

func newConsentStore() *consentStore {
	return &consentStore{granted: map[consentKey]map[string]bool{}}
}

// covers reports whether subject has granted client every one of scopes.
func (c *consentStore) covers(subject string, clientID int64, scopes []gatehouse.Scope) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	granted := c.granted[consentKey{subject, clientID}]
	if granted == nil {
		return false
	}
	for _, s := range scopes {
		if !granted[s.Name] {
			return false
		}
	}
	return true
}

// grant records that subject granted client scopes.
func (c *consentStore) grant(subject string, clientID int64, scopes []gatehouse.Scope) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := consentKey{subject, clientID}
	if c.granted[k] == nil {
		c.granted[k] = map[string]bool{}
	}
	for _, s := range scopes {
		c.granted[k][s.Name] = true
	}
}

// The session cookie: HttpOnly (no script reads it), SameSite=Lax (not sent
// on cross-site POSTs or subresource requests, but sent on the top-level
// navigation an authorization request is), Secure on https. On https the
// __Host- prefix also pins it to this host and path /.
func (s *server) cookieName() string {
	if s.secure {
		return "__Host-frontend-session"
	}
	return "frontend-session"
}

func (s *server) setSessionCookie(w http.ResponseWriter, id string, expires time.Time) {
	http.SetCookie(w, &http.Cookie{
		Name: s.cookieName(), Value: id, Path: "/", Expires: expires,
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode,
	})
}

func (s *server) clearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{
		Name: s.cookieName(), Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode,
	})
}

// session returns the browser's live session.
func (s *server) session(r *http.Request) (view, bool) {
	c, err := r.Cookie(s.cookieName())
	if err != nil || c.Value == "" {
		return view{}, false
	}
	return s.sessions.get(c.Value)
}

// ensureSession returns the browser's session, starting one if it has none.
func (s *server) ensureSession(w http.ResponseWriter, r *http.Request) view {
	if v, ok := s.session(r); ok {
		return v
	}
	v := s.sessions.create()
	s.setSessionCookie(w, v.id, time.Time{}) // a browser-session cookie until login
	return v
}
