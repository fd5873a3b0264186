package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"
)

// conn is one keep-alive HTTP/1.1 connection that speaks only what the
// harness needs: POST with a JSON body, and answers framed by
// Content-Length or chunked. It exists because net/http's client costs
// several times the CPU per request: on a 2-core machine shared with the
// server under test, the load generator's CPU is taken from the server, and
// proportionally more from a fast one (the bare handler) than from a slow
// one, which would inflate every ratio. What this one spends is a few
// microseconds per request, as wrk does.
type conn struct {
	addr string
	nc   net.Conn
	br   *bufio.Reader
	req  []byte // the request being written, reused
	body []byte // the last answer's body, reused
}

func newConn(addr string) *conn {
	return &conn{addr: addr}
}

// dialTimeout bounds a connection attempt to the local servers.
const dialTimeout = 5 * time.Second

// post sends body to path with the given Authorization header value and
// returns the status and body of the answer. The body is valid until the
// next call. Any error closes the connection; the next call dials again.
func (c *conn) post(path, authorization string, body []byte) (int, []byte, error) {
	if c.nc == nil {
		nc, err := net.DialTimeout("tcp", c.addr, dialTimeout)
		if err != nil {
			return 0, nil, err
		}
		c.nc, c.br = nc, bufio.NewReaderSize(nc, 16<<10)
	}
	c.req = append(c.req[:0], "POST "...)
	c.req = append(c.req, path...)
	c.req = append(c.req, " HTTP/1.1\r\nHost: "...)
	c.req = append(c.req, c.addr...)
	c.req = append(c.req, "\r\nAuthorization: "...)
	c.req = append(c.req, authorization...)
	c.req = append(c.req, "\r\nContent-Type: application/json\r\nContent-Length: "...)
	c.req = strconv.AppendInt(c.req, int64(len(body)), 10)
	c.req = append(c.req, "\r\n\r\n"...)
	c.req = append(c.req, body...)
	if _, err := c.nc.Write(c.req); err != nil {
		c.close()
		return 0, nil, err
	}
	status, keep, err := c.readResponse()
	if err != nil || !keep {
		c.close()
	}
	return status, c.body, err
}

func (c *conn) close() {
	if c.nc != nil {
		_ = c.nc.Close()
		c.nc, c.br = nil, nil
	}
}

var (
	headerContentLength    = []byte("content-length:")
	headerTransferEncoding = []byte("transfer-encoding:")
	headerConnection       = []byte("connection:")
)

// readResponse reads the status line, the headers it needs and the body
// into c.body, and reports whether the connection may be reused.
func (c *conn) readResponse() (status int, keep bool, err error) {
	line, err := c.br.ReadSlice('\n')
	if err != nil {
		return 0, false, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.1 ")) {
		return 0, false, fmt.Errorf("bad status line %q", line)
	}
	if status, err = strconv.Atoi(string(line[9:12])); err != nil {
		return 0, false, fmt.Errorf("bad status line %q", line)
	}
	length, chunked, keep := -1, false, true
	for {
		line, err := c.br.ReadSlice('\n')
		if err != nil {
			return status, false, err
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			break
		}
		value := func(name []byte) []byte { return bytes.TrimSpace(line[len(name):]) }
		switch {
		case hasPrefixFold(line, headerContentLength):
			if length, err = strconv.Atoi(string(value(headerContentLength))); err != nil {
				return status, false, fmt.Errorf("bad Content-Length %q", line)
			}
		case hasPrefixFold(line, headerTransferEncoding):
			chunked = bytes.EqualFold(value(headerTransferEncoding), []byte("chunked"))
		case hasPrefixFold(line, headerConnection):
			keep = !bytes.EqualFold(value(headerConnection), []byte("close"))
		}
	}
	c.body = c.body[:0]
	switch {
	case chunked:
		return status, keep, c.readChunked()
	case length >= 0:
		return status, keep, c.readN(length)
	default:
		// Neither: the body runs to the end of the connection.
		c.body, err = io.ReadAll(c.br)
		return status, false, err
	}
}

// hasPrefixFold reports whether line starts with the lower-case header
// name, in any case.
func hasPrefixFold(line, name []byte) bool {
	return len(line) >= len(name) && bytes.EqualFold(line[:len(name)], name)
}

// readN appends the next n bytes of the connection to c.body.
func (c *conn) readN(n int) error {
	start := len(c.body)
	c.body = append(c.body, make([]byte, n)...)
	_, err := io.ReadFull(c.br, c.body[start:])
	return err
}

// readChunked reads a chunked body (RFC 9112 §7.1) into c.body.
func (c *conn) readChunked() error {
	for {
		line, err := c.br.ReadSlice('\n')
		if err != nil {
			return err
		}
		size, _, _ := bytes.Cut(bytes.TrimRight(line, "\r\n"), []byte(";"))
		n, err := strconv.ParseInt(string(size), 16, 32)
		if err != nil {
			return fmt.Errorf("bad chunk size %q", line)
		}
		if n == 0 {
			// Trailers, if any, up to the empty line.
			for {
				line, err := c.br.ReadSlice('\n')
				if err != nil {
					return err
				}
				if len(bytes.TrimRight(line, "\r\n")) == 0 {
					return nil
				}
			}
		}
		if err := c.readN(int(n)); err != nil {
			return err
		}
		if _, err := c.br.Discard(2); err != nil {
			return err
		}
	}
}
