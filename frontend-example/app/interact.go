package app

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"time"

	gatehouse "github.com/gatehouse-oss/gatehouse/sdk"
)

// maxFormBytes bounds the login, consent and logout forms.
const maxFormBytes = 16 << 10

// The end-user's part of the authorization endpoint. The SDK's
// AuthorizationHandler has the engine check the request; what comes here
// is valid, and the engine's answer says what the request asks of the
// end-user. Every decision below is about the end-user, none about OAuth.

// Interaction implements gatehouse.Interactor: the request may show pages.
// A browser already signed in, recently enough, as the right user, that
// has consented before, is sent back to the client at once (single
// sign-on); otherwise the request waits in the session for the login or
// consent page.
func (s *server) Interaction(w http.ResponseWriter, r *http.Request, res *gatehouse.AuthorizationResponse) {
	sess := s.ensureSession(w, r)
	login := s.needsLogin(sess, res)
	if !login && !s.needsConsent(sess.subject, res) {
		s.issue(w, r, sess.subject, sess.authTime, res)
		return
	}
	pid, ok := s.sessions.addPending(sess.id, res)
	if !ok {
		s.pages.errorPage(w, http.StatusInternalServerError, "The sign-in service is unavailable", "", "Please try again.")
		return
	}
	next := "/consent?i="
	if login {
		next = "/login?i="
	}
	http.Redirect(w, r, next+url.QueryEscape(pid), http.StatusSeeOther)
}

// NoInteraction implements gatehouse.Interactor for prompt=none (OIDC Core
// §3.1.2.1): no page may be shown, so the session decides alone.
func (s *server) NoInteraction(w http.ResponseWriter, r *http.Request, res *gatehouse.AuthorizationResponse) {
	sess, ok := s.session(r)
	var reason gatehouse.AuthorizationFailReason
	switch {
	case !ok || !sess.loggedIn():
		reason = gatehouse.ReasonLoginRequired
	case res.Subject != "" && res.Subject != sess.subject:
		reason = gatehouse.ReasonDifferentSubject
	case s.tooOld(sess, res):
		reason = gatehouse.ReasonExceedsMaxAge
	case !s.consents.covers(sess.subject, clientID(res), res.Scopes):
		reason = gatehouse.ReasonConsentRequired
	default:
		s.issue(w, r, sess.subject, sess.authTime, res)
		return
	}
	s.fe.Fail(w, r, gatehouse.AuthorizationFailRequest{Ticket: res.Ticket, Reason: reason})
}

// needsLogin reports whether the end-user must (re)authenticate for res:
// nobody is signed in, the request asks for a login (prompt=login,
// select_account, create), the login is older than max_age, or the request
// names another user (id_token_hint).
func (s *server) needsLogin(sess view, res *gatehouse.AuthorizationResponse) bool {
	return !sess.loggedIn() ||
		slices.ContainsFunc(res.Prompts, func(p string) bool { return p == "LOGIN" || p == "SELECT_ACCOUNT" || p == "CREATE" }) ||
		s.tooOld(sess, res) ||
		(res.Subject != "" && res.Subject != sess.subject)
}

// tooOld reports whether the session's login is older than the request's
// max_age allows (OIDC Core §3.1.2.1). A login in this very second
// satisfies max_age=0 only through the login page, never through a session.
func (s *server) tooOld(sess view, res *gatehouse.AuthorizationResponse) bool {
	if res.MaxAge == nil {
		return false
	}
	return s.now().Sub(sess.authTime) >= time.Duration(*res.MaxAge)*time.Second
}

// needsConsent reports whether subject must be asked to consent to res: the
// request asks (prompt=consent) or subject has not granted these scopes to
// this client before.
func (s *server) needsConsent(subject string, res *gatehouse.AuthorizationResponse) bool {
	return slices.Contains(res.Prompts, "CONSENT") || !s.consents.covers(subject, clientID(res), res.Scopes)
}

func clientID(res *gatehouse.AuthorizationResponse) int64 {
	if res.Client == nil {
		return 0
	}
	return res.Client.ClientID
}

// issue grants res to subject, who authenticated at authTime: the ID token
// gets the subject's claims the request asked for (the engine's list,
// from the scopes and the claims parameter), and the client gets its code.
func (s *server) issue(w http.ResponseWriter, r *http.Request, subject string, authTime time.Time, res *gatehouse.AuthorizationResponse) {
	req := gatehouse.AuthorizationIssueRequest{Ticket: res.Ticket, Subject: subject, AuthTime: authTime.Unix()}
	if len(res.Claims) > 0 {
		claims, err := s.users.claims(r.Context(), subject, res.Claims)
		if err == nil && len(claims) > 0 {
			if b, err := json.Marshal(claims); err == nil {
				req.Claims = string(b)
			}
		}
	}
	s.fe.Issue(w, r, req)
}

// interaction finds the request a form or page names: it must be waiting in
// this browser's session. A reference to another session's request — a
// forged or leaked form — finds nothing.
func (s *server) interaction(w http.ResponseWriter, r *http.Request, pid string) (view, pending, bool) {
	sess, ok := s.session(r)
	if !ok {
		s.pages.errorPage(w, http.StatusBadRequest, "This sign-in has expired", "",
			"Your session has ended. Go back to the application and sign in again.")
		return view{}, pending{}, false
	}
	p, ok := s.sessions.pending(sess.id, pid)
	if !ok {
		s.pages.errorPage(w, http.StatusBadRequest, "This sign-in has expired", "",
			"This sign-in request is finished, has expired, or was not started in this browser. Go back to the application and sign in again.")
		return view{}, pending{}, false
	}
	return sess, p, true
}

// form parses a POSTed form and checks its CSRF token against the session.
func (s *server) form(w http.ResponseWriter, r *http.Request) (view, pending, bool) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		s.pages.errorPage(w, http.StatusBadRequest, "This form cannot be read", "", "")
		return view{}, pending{}, false
	}
	sess, p, ok := s.interaction(w, r, r.PostForm.Get("i"))
	if !ok {
		return view{}, pending{}, false
	}
	if !sess.checkCSRF(r.PostForm.Get("csrf")) {
		s.pages.errorPage(w, http.StatusForbidden, "This form was not sent by this page", "",
			"The form's security token does not match your session. Go back to the application and sign in again.")
		return view{}, pending{}, false
	}
	return sess, p, true
}

// loginData is what the login page shows.
type loginData struct {
	Interaction, CSRF string
	ClientName        string
	ServiceName       string
	Username          string
	Error             string
}

func (s *server) loginPage(w http.ResponseWriter, r *http.Request) {
	sess, p, ok := s.interaction(w, r, r.URL.Query().Get("i"))
	if !ok {
		return
	}
	username := p.res.LoginHint
	if p.res.Subject != "" {
		username = p.res.Subject
	}
	s.pages.render(w, http.StatusOK, "login", loginData{
		Interaction: p.id, CSRF: sess.csrf,
		ClientName: clientName(p.res), ServiceName: serviceName(p.res),
		Username: username, Error: p.loginError,
	})
}

// login checks the end-user's credentials (POST /login). A good login
// replaces the session (see sessionStore.login) and goes on to consent, or
// straight back to the client when consent was given before.
func (s *server) login(w http.ResponseWriter, r *http.Request) {
	sess, p, ok := s.form(w, r)
	if !ok {
		return
	}
	if r.PostForm.Get("action") == "cancel" {
		s.finish(w, r, sess, p, gatehouse.ReasonDenied)
		return
	}
	u, ok := s.users.authenticate(r.PostForm.Get("username"), r.PostForm.Get("password"))
	if !ok {
		s.sessions.setLoginError(sess.id, p.id, "The username or password is not right.")
		http.Redirect(w, r, "/login?i="+url.QueryEscape(p.id), http.StatusSeeOther)
		return
	}
	if p.res.Subject != "" && p.res.Subject != u.subject {
		// The client asked for another user (id_token_hint).
		s.finish(w, r, sess, p, gatehouse.ReasonDifferentSubject)
		return
	}
	now := s.now()
	nv, ok := s.sessions.login(sess.id, p.id, u.subject, now)
	if !ok {
		s.interaction(w, r, p.id) // answers the expired session
		return
	}
	s.setSessionCookie(w, nv.id, now.Add(s.sessions.ttl))
	if s.needsConsent(nv.subject, p.res) {
		http.Redirect(w, r, "/consent?i="+url.QueryEscape(p.id), http.StatusSeeOther)
		return
	}
	taken, ok := s.sessions.take(nv.id, p.id)
	if !ok {
		s.interaction(w, r, p.id) // answers the finished request
		return
	}
	s.issue(w, r, nv.subject, nv.authTime, taken.res)
}

// consentData is what the consent page shows.
type consentData struct {
	Interaction, CSRF string
	UserName          string
	ServiceName       string
	Client            gatehouse.RuntimeClient
	ClientName        string
	Scopes            []gatehouse.Scope
	Claims            []string
}

func (s *server) consentPage(w http.ResponseWriter, r *http.Request) {
	sess, p, ok := s.interaction(w, r, r.URL.Query().Get("i"))
	if !ok {
		return
	}
	if !p.authenticated && s.needsLogin(sess, p.res) {
		http.Redirect(w, r, "/login?i="+url.QueryEscape(p.id), http.StatusSeeOther)
		return
	}
	d := consentData{
		Interaction: p.id, CSRF: sess.csrf, UserName: sess.subject,
		ServiceName: serviceName(p.res), ClientName: clientName(p.res),
		Scopes: p.res.Scopes,
	}
	if u, ok := s.users.bySubject(sess.subject); ok {
		d.UserName = u.displayName()
	}
	// Name what will be shared: the requested claims this user has.
	if have, err := s.users.claims(r.Context(), sess.subject, p.res.Claims); err == nil {
		for _, c := range p.res.Claims {
			if _, ok := have[c]; ok {
				d.Claims = append(d.Claims, c)
			}
		}
	}
	if p.res.Client != nil {
		d.Client = *p.res.Client
	}
	s.pages.render(w, http.StatusOK, "consent", d)
}

// consent records the end-user's decision (POST /consent) and sends the
// browser back to the client with a code, or with access_denied.
func (s *server) consent(w http.ResponseWriter, r *http.Request) {
	sess, p, ok := s.form(w, r)
	if !ok {
		return
	}
	if !p.authenticated && s.needsLogin(sess, p.res) {
		http.Redirect(w, r, "/login?i="+url.QueryEscape(p.id), http.StatusSeeOther)
		return
	}
	switch r.PostForm.Get("decision") {
	case "approve":
		taken, ok := s.sessions.take(sess.id, p.id)
		if !ok {
			s.interaction(w, r, p.id) // answers the finished request
			return
		}
		s.consents.grant(sess.subject, clientID(taken.res), taken.res.Scopes)
		s.issue(w, r, sess.subject, sess.authTime, taken.res)
	case "deny":
		s.finish(w, r, sess, p, gatehouse.ReasonDenied)
	default:
		s.pages.errorPage(w, http.StatusBadRequest, "This form cannot be read", "", "Approve or deny the request.")
	}
}

// finish ends the waiting request p with an error for the client: the
// browser goes back to the client with it (SECURITY A50).
func (s *server) finish(w http.ResponseWriter, r *http.Request, sess view, p pending, reason gatehouse.AuthorizationFailReason) {
	taken, ok := s.sessions.take(sess.id, p.id)
	if !ok {
		s.interaction(w, r, p.id) // answers the finished request
		return
	}
	s.fe.Fail(w, r, gatehouse.AuthorizationFailRequest{Ticket: taken.res.Ticket, Reason: reason})
}

// logoutData is what the logout page shows.
type logoutData struct {
	CSRF     string
	UserName string
}

// logoutPage asks a signed-in end-user to confirm signing out: a GET must
// not change state, and a link from another site must not sign anyone out.
func (s *server) logoutPage(w http.ResponseWriter, r *http.Request) {
	var d logoutData
	if sess, ok := s.session(r); ok && sess.loggedIn() {
		d.CSRF, d.UserName = sess.csrf, sess.subject
		if u, ok := s.users.bySubject(sess.subject); ok {
			d.UserName = u.displayName()
		}
	}
	s.pages.render(w, http.StatusOK, "logout", d)
}

// logout ends the session (POST /logout). Tokens already issued stay valid:
// revoking them is the client's business (/revoke).
func (s *server) logout(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		s.pages.errorPage(w, http.StatusBadRequest, "This form cannot be read", "", "")
		return
	}
	sess, ok := s.session(r)
	if !ok || !sess.checkCSRF(r.PostForm.Get("csrf")) {
		s.pages.errorPage(w, http.StatusForbidden, "This form was not sent by this page", "", "")
		return
	}
	s.sessions.logout(sess.id)
	s.clearSessionCookie(w)
	http.Redirect(w, r, "/logout", http.StatusSeeOther)
}

func clientName(res *gatehouse.AuthorizationResponse) string {
	switch {
	case res.Client == nil:
		return "An application"
	case res.Client.ClientName != "":
		return res.Client.ClientName
	case res.Client.ClientIDAlias != "":
		return res.Client.ClientIDAlias
	}
	return "An application"
}

func serviceName(res *gatehouse.AuthorizationResponse) string {
	if res.Service != nil && res.Service.ServiceName != "" {
		return res.Service.ServiceName
	}
	return "Gatehouse"
}
