package gatehouse

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
)

// DefaultMaxBodyBytes bounds the body of an OAuth request a Frontend
// handler reads: the engine refuses parameters over 16 KiB anyway, so
// reading more would only cost memory.
const DefaultMaxBodyBytes = 16 << 10

// Frontend builds the HTTP handlers of a frontend authorization server: each
// relays its OAuth request to the engine through Client and answers what
// the engine says. The frontend keeps what is its own — login and consent
// pages, the user store, sessions — and hands it to the handlers as
// callbacks.
//
// A Frontend is configured once and then only read; its handlers are safe
// for concurrent use.
type Frontend struct {
	// Client calls the engine with the service's API key and secret.
	Client *Client
	// Realm names the server in WWW-Authenticate challenges. Default
	// "gatehouse".
	Realm string
	// MaxBodyBytes bounds the bodies the handlers read. Default
	// DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// Logger receives the engine failures the handlers answer with a
	// generic server_error. Default slog.Default(). Tokens, codes, secrets
	// and passwords are never logged.
	Logger *slog.Logger
}

func (f *Frontend) realm() string {
	if f.Realm == "" {
		return "gatehouse"
	}
	return f.Realm
}

func (f *Frontend) logger() *slog.Logger {
	if f.Logger == nil {
		return slog.Default()
	}
	return f.Logger
}

// fail answers an OAuth request whose engine call failed, and logs why.
func (f *Frontend) fail(w http.ResponseWriter, r *http.Request, err error) {
	logFailure(f.logger(), r, err)
	RespondFailure(w, err)
}

func logFailure(l *slog.Logger, r *http.Request, err error) {
	attrs := []any{"method", r.Method, "path", r.URL.Path, "error", err.Error()}
	var e *Error
	if errors.As(err, &e) {
		attrs = append(attrs, "status", e.StatusCode, "result_code", e.ResultCode, "engine_request_id", e.RequestID)
	}
	if errors.Is(err, context.Canceled) {
		// The client went away: nothing is wrong with the engine.
		l.DebugContext(r.Context(), "gatehouse: engine call abandoned", attrs...)
		return
	}
	l.ErrorContext(r.Context(), "gatehouse: engine call failed", attrs...)
}

// allow answers 405 unless r uses one of methods (RFC 9110 §15.5.6).
func allow(w http.ResponseWriter, r *http.Request, methods ...string) bool {
	for _, m := range methods {
		if r.Method == m {
			return true
		}
	}
	noStore(w.Header())
	w.Header().Set("Allow", strings.Join(methods, ", "))
	write(w, http.StatusMethodNotAllowed, contentJSON, `{"error":"invalid_request","error_description":"method not allowed"}`)
	return false
}

// readBody reads r's body up to the Frontend's limit. An oversized or
// unreadable body is answered (413 or 400, with an OAuth error) and ok is
// false.
func (f *Frontend) readBody(w http.ResponseWriter, r *http.Request) (body string, ok bool) {
	limit := f.MaxBodyBytes
	if limit <= 0 {
		limit = DefaultMaxBodyBytes
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		noStore(w.Header())
		if errors.As(err, new(*http.MaxBytesError)) {
			write(w, http.StatusRequestEntityTooLarge, contentJSON, `{"error":"invalid_request","error_description":"the request body is too large"}`)
		} else {
			write(w, http.StatusBadRequest, contentJSON, `{"error":"invalid_request","error_description":"the request body cannot be read"}`)
		}
		return "", false
	}
	return string(data), true
}

// isForm reports whether r's body is application/x-www-form-urlencoded.
func isForm(r *http.Request) bool {
	ct, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";")
	return strings.EqualFold(strings.TrimSpace(ct), "application/x-www-form-urlencoded")
}
