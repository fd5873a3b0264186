package gatehouse

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Client calls the API of a Gatehouse engine with one set of credentials:
// a service's API key and secret, or the operator's admin key and secret.
type Client struct {
	// BaseURL is the engine's root, e.g. "http://127.0.0.1:8080".
	BaseURL string
	// Key and Secret are sent as HTTP Basic credentials.
	Key, Secret string
	// HTTPClient sends the requests; a client with a 30 s timeout when nil.
	HTTPClient *http.Client
}

// Error is a failed API call: the HTTP status and the engine's result.
type Error struct {
	StatusCode    int
	ResultCode    string `json:"resultCode"`
	ResultMessage string `json:"resultMessage"`
}

func (e *Error) Error() string {
	if e.ResultMessage != "" {
		return fmt.Sprintf("gatehouse: HTTP %d: %s", e.StatusCode, e.ResultMessage)
	}
	return fmt.Sprintf("gatehouse: HTTP %d", e.StatusCode)
}

// maxResponse bounds how much of a response the client reads.
const maxResponse = 4 << 20

var defaultHTTPClient = &http.Client{Timeout: 30 * time.Second}

// Do calls path (e.g. "/api/client/get/list") with method. A non-nil in is
// sent as JSON; a 2xx JSON answer is decoded into a non-nil out. Any other
// status is returned as an *Error carrying the engine's result.
func (c *Client) Do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("gatehouse: encode request: %w", err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(c.BaseURL, "/")+path, body)
	if err != nil {
		return fmt.Errorf("gatehouse: %w", err)
	}
	req.SetBasicAuth(c.Key, c.Secret)
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	hc := c.HTTPClient
	if hc == nil {
		hc = defaultHTTPClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("gatehouse: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return fmt.Errorf("gatehouse: read response: %w", err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		apiErr := &Error{StatusCode: resp.StatusCode}
		_ = json.Unmarshal(data, apiErr) // a body that is not ours still yields the status
		return apiErr
	}
	if out == nil || len(data) == 0 {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("gatehouse: decode response: %w", err)
	}
	return nil
}
