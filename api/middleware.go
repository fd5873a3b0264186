package api

import (
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"runtime/debug"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/gatehouse-oss/gatehouse/service"
)

// Keys of values stored on the echo context.
const (
	ctxRequestID = "gatehouse.requestID"
	ctxService   = "gatehouse.service"
)

// safeRequestID is what an incoming X-Request-Id may look like to be kept:
// a frontend's id ties its logs to ours, but free text in a header must not
// reach our logs.
var safeRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// requestIDs draws request ids: a random prefix per process and a counter.
// An id names a request in the logs; it is no secret, so it need not cost a
// read of the system's random source on every call.
var requestIDs = struct {
	prefix string
	n      atomic.Uint64
}{prefix: uuid.NewString()[:18]}

// newRequestID returns a request id unique across processes and calls.
func newRequestID() string {
	return requestIDs.prefix + strconv.FormatUint(requestIDs.n.Add(1), 36)
}

// requestID gives every request an id, reusing a well-formed incoming one,
// and echoes it in the response.
func requestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := c.Request().Header.Get(echo.HeaderXRequestID)
		if !safeRequestID.MatchString(id) {
			id = newRequestID()
		}
		c.Set(ctxRequestID, id)
		c.Response().Header().Set(echo.HeaderXRequestID, id)
		return next(c)
	}
}

func requestIDOf(c echo.Context) string {
	id, _ := c.Get(ctxRequestID).(string)
	return id
}

// logRequests writes one structured line per request. It logs the route
// template, never the raw URL, headers or body: those may carry secrets.
func (s *server) logRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		if err := next(c); err != nil {
			c.Error(err)
		}
		attrs := []slog.Attr{
			slog.String("request_id", requestIDOf(c)),
			slog.String("method", c.Request().Method),
			slog.String("route", c.Path()),
			slog.Int("status", c.Response().Status),
			slog.Float64("latency_ms", float64(time.Since(start).Microseconds())/1000),
		}
		if svc, ok := serviceOf(c); ok {
			attrs = append(attrs, slog.Int64("service_id", svc.APIKey))
		}
		// Answered calls are counted by /metrics; logging each one would cost
		// a JSON line and a write on the hot path. Refusals stay at info.
		level := slog.LevelDebug
		if c.Response().Status >= http.StatusBadRequest {
			level = slog.LevelInfo
		}
		s.log.LogAttrs(c.Request().Context(), level, "request", attrs...)
		s.metrics.observe(c, time.Since(start))
		return nil
	}
}

// recoverPanics turns a panic into an opaque 500 and logs the stack under the
// request id. Nothing the caller sends should panic; this is the last guard.
func (s *server) recoverPanics(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				s.log.Error("panic", "request_id", requestIDOf(c), "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
				err = service.Internal(fmt.Errorf("panic: %v", r))
			}
		}()
		return next(c)
	}
}

// bodyLimit refuses bodies over limit bytes with 413 (SECURITY D08): at once
// when Content-Length says so, else when reading passes the limit.
func bodyLimit(limit int64) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			if r.ContentLength > limit {
				return service.TooLarge(limit)
			}
			r.Body = http.MaxBytesReader(c.Response(), r.Body, limit)
			return next(c)
		}
	}
}

// noStore marks every API answer as never to be cached: management answers
// carry secrets once and tenant data always (RFC 9111 §5.2.2.5).
func noStore(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Cache-Control", "no-store")
		h.Set("Pragma", "no-cache")
		return next(c)
	}
}
