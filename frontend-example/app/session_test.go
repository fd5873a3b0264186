package app

import (
	"testing"
	"time"

	gatehouse "github.com/gatehouse-oss/gatehouse/sdk"
)

// clock is a settable time for the stores.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestSessionLogin(t *testing.T) {
	c := &clock{time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)}
	st := newSessionStore(time.Hour, c.now)
	anon := st.create()
	pid, ok := st.addPending(anon.id, &gatehouse.AuthorizationResponse{Ticket: "t1"})
	if !ok {
		t.Fatal("addPending")
	}
	if _, ok := st.pending("another session", pid); ok {
		t.Error("an interaction was found through another session")
	}

	in, ok := st.login(anon.id, pid, "john", c.now())
	if !ok || in.id == anon.id || in.csrf == anon.csrf || in.subject != "john" {
		t.Fatalf("login = %+v, %v: want a new session id and CSRF token for john", in, ok)
	}
	if _, ok := st.get(anon.id); ok {
		t.Error("the pre-login session id still names a session")
	}
	p, ok := st.pending(in.id, pid)
	if !ok || !p.authenticated || p.res.Ticket != "t1" {
		t.Fatalf("the interaction after login = %+v, %v", p, ok)
	}
	if _, ok := st.take(in.id, pid); !ok {
		t.Fatal("take")
	}
	if _, ok := st.take(in.id, pid); ok {
		t.Error("an interaction was taken twice")
	}

	// A login lasts the session TTL.
	c.t = c.t.Add(time.Hour)
	if _, ok := st.get(in.id); ok {
		t.Error("the session outlived its TTL")
	}
}

func TestSessionBounds(t *testing.T) {
	c := &clock{time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)}
	st := newSessionStore(time.Hour, c.now)
	s := st.create()
	var ids []string
	for range maxPendingPerSession + 1 {
		id, _ := st.addPending(s.id, &gatehouse.AuthorizationResponse{})
		ids = append(ids, id)
		c.t = c.t.Add(time.Second)
	}
	if _, ok := st.pending(s.id, ids[0]); ok {
		t.Error("the oldest interaction did not give way")
	}
	if _, ok := st.pending(s.id, ids[len(ids)-1]); !ok {
		t.Error("the newest interaction is gone")
	}
	// An unfinished interaction expires.
	c.t = c.t.Add(interactionTTL)
	if _, ok := st.pending(s.id, ids[len(ids)-1]); ok {
		t.Error("an interaction outlived interactionTTL")
	}

	for range maxSessions + 10 {
		st.create()
	}
	if n := len(st.sessions); n > maxSessions {
		t.Errorf("%d sessions, want at most %d", n, maxSessions)
	}
}

func TestConsentCovers(t *testing.T) {
	c := newConsentStore()
	scopes := func(names ...string) []gatehouse.Scope {
		var s []gatehouse.Scope
		for _, n := range names {
			s = append(s, gatehouse.Scope{Name: n})
		}
		return s
	}
	if c.covers("john", 1, scopes("openid")) {
		t.Error("consent before any was given")
	}
	c.grant("john", 1, scopes("openid", "email"))
	for _, tc := range []struct {
		subject string
		client  int64
		scopes  []gatehouse.Scope
		want    bool
	}{
		{"john", 1, scopes("openid"), true},
		{"john", 1, scopes("openid", "email"), true},
		{"john", 1, scopes("openid", "phone"), false},
		{"john", 2, scopes("openid"), false},
		{"jane", 1, scopes("openid"), false},
	} {
		if got := c.covers(tc.subject, tc.client, tc.scopes); got != tc.want {
			t.Errorf("covers(%s, %d, %v) = %v, want %v", tc.subject, tc.client, tc.scopes, got, tc.want)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	good := Config{Issuer: "http://localhost:9000", EngineURL: "http://127.0.0.1:8080", APIKey: "1", APISecret: "s"}
	if err := good.validate(); err != nil {
		t.Fatalf("good config: %v", err)
	}
	for name, change := range map[string]func(*Config){
		"issuer with a path":  func(c *Config) { c.Issuer = "http://localhost:9000/as" },
		"issuer not http(s)":  func(c *Config) { c.Issuer = "ftp://localhost" },
		"no engine":           func(c *Config) { c.EngineURL = "" },
		"no API secret":       func(c *Config) { c.APISecret = "" },
		"resource server ':'": func(c *Config) { c.ResourceServers = map[string]string{"a:b": "s"} },
	} {
		c := good
		change(&c)
		if err := c.validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
