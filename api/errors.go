package api

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse-oss/gatehouse/service"
)

// statusOf is the one place where a kind of failure becomes an HTTP status.
var statusOf = map[service.Kind]int{
	service.KindInternal:        http.StatusInternalServerError,
	service.KindUnavailable:     http.StatusServiceUnavailable,
	service.KindInvalid:         http.StatusBadRequest,
	service.KindUnauthorized:    http.StatusUnauthorized,
	service.KindNotFound:        http.StatusNotFound,
	service.KindConflict:        http.StatusConflict,
	service.KindTooLarge:        http.StatusRequestEntityTooLarge,
	service.KindMethod:          http.StatusMethodNotAllowed,
	service.KindTooManyRequests: http.StatusTooManyRequests,
}

// errorBody is the body of every failed API call.
type errorBody struct {
	ResultCode    string               `json:"resultCode"`
	ResultMessage string               `json:"resultMessage"`
	FieldErrors   []service.FieldError `json:"fieldErrors,omitempty"`
}

// handleError renders any error returned by a handler or middleware.
// Engine errors carry their kind; echo's own errors (unknown route, wrong
// method, body too large) are translated; anything else is an opaque 500
// whose cause is logged under the request id, never shown.
func (s *server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	e := s.asEngineError(err)
	status := statusOf[e.Kind]
	if e.Kind == service.KindInternal || e.Kind == service.KindUnavailable {
		s.log.Error("call failed", "request_id", requestIDOf(c), "route", c.Path(), "code", e.Code, "error", e.Error())
	}
	// An error answer is about one request at one moment: never cache it.
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	if e.Kind == service.KindUnauthorized {
		h.Set(echo.HeaderWWWAuthenticate, `Basic realm="gatehouse", charset="UTF-8"`)
	}
	switch {
	case e.Kind == service.KindUnavailable:
		h.Set(echo.HeaderRetryAfter, "1")
	case e.RetryAfter > 0:
		h.Set(echo.HeaderRetryAfter, strconv.Itoa(e.RetryAfter))
	}
	body := errorBody{ResultCode: e.Code, ResultMessage: e.ResultMessage(), FieldErrors: e.Fields}
	var werr error
	if c.Request().Method == http.MethodHead {
		werr = c.NoContent(status)
	} else {
		werr = c.JSON(status, body)
	}
	if werr != nil {
		s.log.Error("write error response", "request_id", requestIDOf(c), "error", werr)
	}
}

func (s *server) asEngineError(err error) *service.Error {
	var he *echo.HTTPError
	if errors.As(err, &he) {
		switch he.Code {
		case http.StatusNotFound:
			return service.RouteNotFound()
		case http.StatusMethodNotAllowed:
			return service.MethodNotAllowed()
		}
	}
	return service.AsError(err)
}
