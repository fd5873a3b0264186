package gatehouse

import (
	"fmt"
	"strings"
	"time"
)

// Error is an API call the engine refused or could not serve: any non-2xx
// answer. It keeps what the engine said, so that a caller can switch on
// ResultCode (codes are never reused) and an operator can find the engine's
// log line by RequestID. An OAuth error is not an Error: the runtime APIs
// answer those with HTTP 200 and an action (see Result).
type Error struct {
	// StatusCode is the HTTP status: 400 malformed call, 401 bad API
	// credentials, 404 unknown resource, 409 conflict, 413 body too large,
	// 500 engine fault, 503 store unavailable (worth a retry).
	StatusCode int
	// ResultCode and ResultMessage are the engine's, e.g. "G000203" and
	// "[G000203] missing or invalid API credentials"; empty when the answer
	// came from something other than the engine (a proxy).
	ResultCode    string `json:"resultCode"`
	ResultMessage string `json:"resultMessage"`
	// FieldErrors names every bad field of a refused body (G000202).
	FieldErrors []FieldError `json:"fieldErrors,omitempty"`
	// RequestID is the engine's X-Request-Id of the call.
	RequestID string
	// RetryAfter is the engine's Retry-After, zero when absent.
	RetryAfter time.Duration
	// Method and Path name the call, e.g. "POST" and "/api/client/create".
	Method, Path string
}

// FieldError is one bad field of a refused request body.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("gatehouse: ")
	if e.Method != "" {
		fmt.Fprintf(&b, "%s %s: ", e.Method, e.Path)
	}
	fmt.Fprintf(&b, "HTTP %d", e.StatusCode)
	if e.ResultMessage != "" {
		b.WriteString(": " + e.ResultMessage)
	} else if e.ResultCode != "" {
		b.WriteString(": " + e.ResultCode)
	}
	if e.RequestID != "" {
		b.WriteString(" (request id " + e.RequestID + ")")
	}
	return b.String()
}
