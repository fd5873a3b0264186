package oauth

import (
	"encoding/json"
	"strings"
)

// Error is an OAuth 2.0 error as a client sees it (RFC 6749 §4.1.2.1, §5.2):
// the error code and a human-readable description. Constructors, not shared
// sentinels, so that no caller can change another's error.
type Error struct {
	Code        string `json:"error"`
	Description string `json:"error_description,omitempty"`
}

func (e *Error) Error() string { return e.Code + ": " + e.Description }

// JSON is the error as a JSON body (RFC 6749 §5.2).
func (e *Error) JSON() string {
	b, _ := json.Marshal(e) // two strings cannot fail to encode
	return string(b)
}

func newError(code, description string) *Error {
	return &Error{Code: code, Description: Description(description)}
}

// Description makes s safe as an error_description: RFC 6749 §4.1.2.1
// allows only %x20-21 / %x23-5B / %x5D-7E. "§" becomes "section"; any other
// character outside the set becomes a space, so a description built from
// caller input can never break the header or JSON it travels in.
func Description(s string) string {
	s = strings.ReplaceAll(s, "§", "section ")
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if r >= 0x20 && r <= 0x7e && r != '"' && r != '\\' {
			b.WriteRune(r)
		} else {
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// Error codes of RFC 6749 §4.1.2.1 and §5.2, OIDC Core §3.1.2.6, RFC 8707.
const (
	CodeInvalidRequest           = "invalid_request"
	CodeInvalidClient            = "invalid_client"
	CodeInvalidGrant             = "invalid_grant"
	CodeUnauthorizedClient       = "unauthorized_client"
	CodeAccessDenied             = "access_denied"
	CodeUnsupportedResponseType  = "unsupported_response_type"
	CodeUnsupportedGrantType     = "unsupported_grant_type"
	CodeInvalidScope             = "invalid_scope"
	CodeServerError              = "server_error"
	CodeTemporarilyUnavailable   = "temporarily_unavailable"
	CodeInteractionRequired      = "interaction_required"
	CodeLoginRequired            = "login_required"
	CodeAccountSelectionRequired = "account_selection_required"
	CodeConsentRequired          = "consent_required"
	CodeRequestNotSupported      = "request_not_supported"
	CodeRequestURINotSupported   = "request_uri_not_supported"
	CodeRegistrationNotSupported = "registration_not_supported"
	CodeInvalidTarget            = "invalid_target"
)

// NewError returns an error with the given code and description.
func NewError(code, description string) *Error { return newError(code, description) }
