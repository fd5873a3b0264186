package service

import "fmt"

// result is one entry of the result-code catalogue. A code is "G", a 3-digit
// family, a category digit (0 success, 1 engine error, 2 caller error, 3
// OAuth client error) and a 2-digit sequence. Codes are never reused: a
// frontend may switch on them.
type result struct {
	code string
	kind Kind
	text string
}

// Family 000: every API call.
var (
	resInternal     = result{"G000101", KindInternal, "internal error; the cause is logged under the request id"}
	resUnavailable  = result{"G000102", KindUnavailable, "the store is unavailable; retry later"}
	resMalformed    = result{"G000201", KindInvalid, "malformed request: %s"}
	resInvalidBody  = result{"G000202", KindInvalid, "invalid request body"}
	resUnauthorized = result{"G000203", KindUnauthorized, "missing or invalid API credentials"}
	resTooLarge     = result{"G000204", KindTooLarge, "request body exceeds %d bytes"}
	resNoRoute      = result{"G000205", KindNotFound, "no such API"}
	resMethod       = result{"G000206", KindMethod, "method not allowed for this API"}
	resInvalidQuery = result{"G000207", KindInvalid, "invalid query parameters"}
	resRateLimited  = result{"G000208", KindTooManyRequests, "the service's request rate limit (%d calls per second) is exceeded"}
)

// Family 001: service (tenant) management.
var (
	resServiceNotFound = result{"G001201", KindNotFound, "service %v not found"}
	resServiceIDSpace  = result{"G001101", KindInternal, "could not allocate a unique API key"}
)

// Family 002: client management.
var (
	resClientNotFound     = result{"G002201", KindNotFound, "client %s not found"}
	resClientAliasTaken   = result{"G002202", KindConflict, "clientIdAlias %q is already used by another client of this service"}
	resPublicClientSecret = result{"G002204", KindInvalid, "client %d is public and has no secret"}
	resClientIDSpace      = result{"G002101", KindInternal, "could not allocate a unique client ID"}
)

// Family 003: signing keys, ID tokens and metadata.
var (
	resKeyUnseal          = result{"G003101", KindInternal, "a signing key cannot be unsealed: GATEHOUSE_MASTER_KEY differs from the key it was sealed with"}
	resClaimRefused       = result{"G003201", KindInvalid, "claims refused"}
	resPrivateKeysRefused = result{"G003202", KindInvalid, "includePrivateKeys is refused: private keys never leave the engine"}
)

// Successes that answer with a result rather than a record.
var (
	resSecretRefreshed = result{code: "G002001", text: "the secret of client %d was refreshed; it is shown only in this response"}
	resKeysRotated     = result{code: "G003001", text: "new signing keys are active; retired keys stay published for %d seconds"}
)

// message renders a success result as resultCode and resultMessage.
func (r result) message(args ...any) (code, message string) {
	return r.code, "[" + r.code + "] " + fmt.Sprintf(r.text, args...)
}
