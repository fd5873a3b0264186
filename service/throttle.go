package service

import (
	"sync"
	"time"

	"github.com/gatehouse-oss/gatehouse/service/oauth"
)

// ActionTooManyRequests answers a token or revocation request of a client
// that failed to authenticate too often: the frontend answers 429 with
// Retry-After (TokenResult.RetryAfter) and the error in responseContent.
// It is Gatehouse's own action; an Authlete SDK that does not know it falls
// to its default branch.
const ActionTooManyRequests = "TOO_MANY_REQUESTS"

// resClientThrottled is the answer to a failed authentication of a client
// over its failure budget.
var resClientThrottled = authzResult{"G005327", oauth.CodeInvalidClient, "client authentication failed too often; retry after %d seconds (RFC 6749 §5.2)"}

// Failure budget of one client identifier: this many failed
// authentications per window, then each further failure is answered 429
// until the window ends. Generated secrets have 256 bits, so guessing is
// hopeless anyway: the budget sheds the load of a client (or an attacker)
// stuck on a wrong secret, and keeps its noise from other clients.
const (
	authFailureBudget = 20
	authFailureWindow = time.Minute
	// maxThrottled bounds the tracked identifiers, whatever an attacker
	// sends as client_id.
	maxThrottled = 100_000
)

// failureWindow counts the failures of one identifier in one window.
type failureWindow struct {
	start time.Time
	count int
}

type throttleKey struct {
	service int64
	client  string // the client_id as presented: unknown ones count too
}

// authThrottle counts failed client authentications per service and client
// identifier. It is per engine instance: a store-backed counter would cost
// a database write per failed attempt — an amplifier in an attacker's hand
// — and FerretDB does not make $inc atomic. With N instances behind a load
// balancer a client gets at most N budgets per window.
//
// Correct credentials always pass, even over budget: locking a client out
// would hand anyone who knows its client_id a denial of service.
type authThrottle struct {
	mu      sync.Mutex
	windows map[throttleKey]failureWindow
}

func newAuthThrottle() *authThrottle {
	return &authThrottle{windows: map[throttleKey]failureWindow{}}
}

// fail records a failure of key at now and returns how long the caller must
// wait, 0 while the failure is within the budget.
func (a *authThrottle) fail(key throttleKey, now time.Time) time.Duration {
	a.mu.Lock()
	defer a.mu.Unlock()
	w, ok := a.windows[key]
	if !ok || !now.Before(w.start.Add(authFailureWindow)) {
		if !ok && len(a.windows) >= maxThrottled {
			a.evict(now)
		}
		w = failureWindow{start: now}
	}
	w.count++
	a.windows[key] = w
	if w.count <= authFailureBudget {
		return 0
	}
	return w.start.Add(authFailureWindow).Sub(now)
}

// evict drops ended windows, then arbitrary ones until there is room.
func (a *authThrottle) evict(now time.Time) {
	for k, w := range a.windows {
		if !now.Before(w.start.Add(authFailureWindow)) {
			delete(a.windows, k)
		}
	}
	for k := range a.windows {
		if len(a.windows) < maxThrottled {
			return
		}
		delete(a.windows, k)
	}
}

// throttled is the answer to a failure over budget, wait before a retry.
func throttled(wait time.Duration) TokenResult {
	secs := max(int64((wait+time.Second-1)/time.Second), 1)
	t := tokenError(resClientThrottled, secs)
	t.Action, t.RetryAfter = ActionTooManyRequests, secs
	return t
}
