package oauth

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Limits of a parameter string (SECURITY D09): work stays bounded whatever
// a client sends.
const (
	MaxParamsLength = 16 << 10
	MaxParams       = 100
)

// Params are the parameters of an OAuth request, parsed once. A parameter
// sent with an empty value counts as absent (RFC 6749 §3.1); a parameter
// sent twice is remembered as duplicated (RFC 6749 §3.1: MUST NOT be
// included more than once) and has no value.
type Params struct {
	values     map[string]string
	duplicated map[string]bool
}

// ErrParams is returned for a parameter string that cannot be parsed.
var ErrParams = errors.New("malformed parameters")

// ParseParams parses an application/x-www-form-urlencoded string (a query
// string or a form body). Keys are taken literally: "scope[foo]" is a
// parameter named "scope[foo]", never a nested structure (SECURITY D02).
func ParseParams(raw string) (Params, error) {
	p := Params{values: map[string]string{}, duplicated: map[string]bool{}}
	if len(raw) > MaxParamsLength {
		return p, fmt.Errorf("%w: longer than %d bytes", ErrParams, MaxParamsLength)
	}
	n := 0
	for part := range strings.SplitSeq(raw, "&") {
		if part == "" {
			continue
		}
		if n++; n > MaxParams {
			return p, fmt.Errorf("%w: more than %d parameters", ErrParams, MaxParams)
		}
		k, v, _ := strings.Cut(part, "=")
		key, err1 := url.QueryUnescape(k)
		val, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			return p, fmt.Errorf("%w: bad percent-encoding", ErrParams)
		}
		if val == "" || key == "" {
			continue // RFC 6749 §3.1: a parameter without a value is omitted; a nameless one means nothing
		}
		if _, seen := p.values[key]; seen || p.duplicated[key] {
			p.duplicated[key] = true
			delete(p.values, key)
			continue
		}
		p.values[key] = val
	}
	return p, nil
}

// Get returns the value of a parameter, "" when absent or duplicated.
func (p Params) Get(name string) string { return p.values[name] }

// Has reports whether a parameter was sent with a value (once).
func (p Params) Has(name string) bool {
	_, ok := p.values[name]
	return ok
}

// Duplicated reports whether a parameter was sent more than once.
func (p Params) Duplicated(name string) bool { return p.duplicated[name] }

// AnyDuplicated returns a duplicated parameter's name, "" if none, in a
// stable order.
func (p Params) AnyDuplicated() string {
	first, found := "", false
	for k := range p.duplicated {
		if !found || k < first {
			first, found = k, true
		}
	}
	return first
}
