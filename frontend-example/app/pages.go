package app

import (
	"bytes"
	"embed"
	"encoding/json"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFS embed.FS

// pageCSP is the Content-Security-Policy of the frontend's own pages: their
// scripts and styles come from /static only (no inline code), nothing may
// frame them, and their fetches go to this origin. Client logos may come
// from anywhere.
const pageCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https: http:; " +
	"connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"

// pages renders the frontend's HTML pages.
type pages struct {
	tmpl map[string]*template.Template
}

func newPages() (*pages, error) {
	p := &pages{tmpl: map[string]*template.Template{}}
	for _, name := range []string{"login", "consent", "error", "logout", "demo"} {
		t, err := template.ParseFS(templateFiles, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, err
		}
		p.tmpl[name] = t
	}
	return p, nil
}

// render writes page name with status. Pages carry CSRF tokens and personal
// data, so they are never cached.
func (p *pages) render(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	if err := p.tmpl[name].ExecuteTemplate(&buf, "layout", data); err != nil {
		http.Error(w, "the page cannot be rendered", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", pageCSP)
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// errorData is what the error page shows.
type errorData struct {
	Title       string
	Code        string // the OAuth error code, when there is one
	Description string
}

// errorPage answers the browser with an error page. It never redirects: the
// request it answers may name a client or redirect URI nobody has checked.
func (p *pages) errorPage(w http.ResponseWriter, status int, title, code, description string) {
	p.render(w, status, "error", errorData{Title: title, Code: code, Description: description})
}

// browser wraps a handler whose answers go to the end-user's browser: the
// authorization endpoint and the login and consent forms. The SDK answers
// these as it answers clients; for a browser, an error (a JSON body, 4xx
// or 5xx) becomes an error page. The engine sends BAD_REQUEST when it could
// not trust the client or the redirect URI, so the page is all the end-user
// can be shown. (After a login or consent POST the SDK's Issue and Fail already redirect
// with 303 See Other, RFC 9700 §4.12, SECURITY A53.)
func (s *server) browser(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bw := &browserWriter{ResponseWriter: w}
		h(bw, r)
		if bw.captured == 0 {
			return
		}
		var oe struct {
			Error       string `json:"error"`
			Description string `json:"error_description"`
		}
		_ = json.Unmarshal(bw.body.Bytes(), &oe)
		w.Header().Del("WWW-Authenticate")
		title := "This request cannot be served"
		if bw.captured >= 500 {
			title = "The sign-in service is unavailable"
		}
		s.pages.errorPage(w, bw.captured, title, oe.Error, oe.Description)
	})
}

// browserWriter is the ResponseWriter of browser: it holds back a JSON error
// for the page.
type browserWriter struct {
	http.ResponseWriter
	wrote    bool
	captured int // the status of a held-back JSON error
	body     bytes.Buffer
}

func (b *browserWriter) WriteHeader(code int) {
	if b.wrote {
		return
	}
	b.wrote = true
	ct := b.Header().Get("Content-Type")
	if code >= 400 && strings.HasPrefix(ct, "application/json") {
		b.captured = code
		return
	}
	b.ResponseWriter.WriteHeader(code)
}

func (b *browserWriter) Write(p []byte) (int, error) {
	if !b.wrote {
		b.WriteHeader(http.StatusOK)
	}
	if b.captured != 0 {
		if b.body.Len() < 16<<10 {
			b.body.Write(p)
		}
		return len(p), nil
	}
	return b.ResponseWriter.Write(p)
}

// staticFiles serves the demo client's script and style sheet.
func staticFiles() http.Handler {
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	files := http.StripPrefix("/static/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") { // no directory listings
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "no-cache")
		files.ServeHTTP(w, r)
	})
}

// demoData configures the demo client page.
type demoData struct {
	Issuer   string
	ClientID string
}

// demoPage is the demo client: a single-page application that signs in
// with this frontend (authorization code + PKCE, in the browser) and calls
// the demo API. It is also the client's redirect URI.
func (s *server) demoPage(w http.ResponseWriter, r *http.Request) {
	s.pages.render(w, http.StatusOK, "demo", demoData{Issuer: s.issuer, ClientID: s.demoClientID})
}
