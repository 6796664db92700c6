package harness

// This file is a raw FastCGI client, for talking to a kfcgi socket
// without a web server in between.

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os/exec"
	"time"
)

// FastCGI record types and flags (FastCGI specification, section 8).
const (
	FCGIBeginRequest = 1
	FCGIAbortRequest = 2
	FCGIEndRequest   = 3
	FCGIParams       = 4
	FCGIStdin        = 5
	FCGIStdout       = 6
	FCGIStderr       = 7

	FCGIResponder = 1 // role in BEGIN_REQUEST
	FCGIKeepConn  = 1 // flag in BEGIN_REQUEST
)

// fcgiMax is the largest record content.
const fcgiMax = 65535

// Param is one FastCGI name-value pair.
type Param struct{ Name, Value string }

// FCGIRequest is a FastCGI request to encode.
type FCGIRequest struct {
	ID     uint16 // request ID; 0 means 1
	Flags  uint8  // BEGIN_REQUEST flags, such as FCGIKeepConn
	Params []Param
	Stdin  []byte
	// Chunk is the largest STDIN record content; 0 means 65535.
	Chunk int
}

// Bytes encodes the request: BEGIN_REQUEST (role responder), the
// params in as many PARAMS records as needed, an empty PARAMS, the
// body in STDIN records and an empty STDIN. A name-value pair is split
// across records only if it does not fit in one. Records are padded to
// a multiple of 8 bytes, as nginx does.
func (r FCGIRequest) Bytes() []byte {
	id := r.ID
	if id == 0 {
		id = 1
	}
	var b bytes.Buffer
	b.Write(FCGIRecord(FCGIBeginRequest, id, []byte{0, FCGIResponder, r.Flags, 0, 0, 0, 0, 0}))
	// libkcgi, like nginx, wants each pair within one record.
	var params []byte
	for _, p := range r.Params {
		pair := EncodeParams([]Param{p})
		if len(params)+len(pair) > fcgiMax {
			writeRecords(&b, FCGIParams, id, params, fcgiMax)
			params = nil
		}
		params = append(params, pair...)
	}
	writeStream(&b, FCGIParams, id, params, fcgiMax)
	chunk := r.Chunk
	if chunk <= 0 || chunk > fcgiMax {
		chunk = fcgiMax
	}
	writeStream(&b, FCGIStdin, id, r.Stdin, chunk)
	return b.Bytes()
}

// writeStream writes data as records of at most chunk bytes, then an
// empty record that ends the stream.
func writeStream(b *bytes.Buffer, typ uint8, id uint16, data []byte, chunk int) {
	writeRecords(b, typ, id, data, chunk)
	b.Write(FCGIRecord(typ, id, nil))
}

// writeRecords writes data as records of at most chunk bytes.
func writeRecords(b *bytes.Buffer, typ uint8, id uint16, data []byte, chunk int) {
	for len(data) > 0 {
		n := min(len(data), chunk)
		b.Write(FCGIRecord(typ, id, data[:n]))
		data = data[n:]
	}
}

// FCGIRecord encodes one record, padded to a multiple of 8 bytes.
// content must not exceed 65535 bytes.
func FCGIRecord(typ uint8, id uint16, content []byte) []byte {
	pad := -len(content) & 7
	b := make([]byte, 8, 8+len(content)+pad)
	b[0], b[1] = 1, typ
	binary.BigEndian.PutUint16(b[2:], id)
	binary.BigEndian.PutUint16(b[4:], uint16(len(content)))
	b[6] = byte(pad)
	b = append(b, content...)
	return append(b, make([]byte, pad)...)
}

// EncodeParams encodes name-value pairs, using the four-byte length
// form for lengths above 127.
func EncodeParams(params []Param) []byte {
	var b []byte
	length := func(n int) {
		if n > 127 {
			b = binary.BigEndian.AppendUint32(b, uint32(n)|1<<31)
		} else {
			b = append(b, byte(n))
		}
	}
	for _, p := range params {
		length(len(p.Name))
		length(len(p.Value))
		b = append(b, p.Name...)
		b = append(b, p.Value...)
	}
	return b
}

// Record is one FastCGI record as received.
type Record struct {
	Version uint8
	Type    uint8
	ID      uint16
	Content []byte
	Padding []byte
}

// ParseRecords splits a record stream. It fails on a truncated record,
// returning the records before it.
func ParseRecords(b []byte) ([]Record, error) {
	var recs []Record
	for len(b) > 0 {
		if len(b) < 8 {
			return recs, fmt.Errorf("truncated header: %d bytes", len(b))
		}
		n := int(binary.BigEndian.Uint16(b[4:]))
		pad := int(b[6])
		if len(b) < 8+n+pad {
			return recs, fmt.Errorf("truncated record: want %d bytes, have %d", 8+n+pad, len(b))
		}
		recs = append(recs, Record{
			Version: b[0],
			Type:    b[1],
			ID:      binary.BigEndian.Uint16(b[2:]),
			Content: b[8 : 8+n],
			Padding: b[8+n : 8+n+pad],
		})
		b = b[8+n+pad:]
	}
	return recs, nil
}

// Stdout returns the concatenated contents of the STDOUT records.
func Stdout(recs []Record) []byte {
	var b []byte
	for _, r := range recs {
		if r.Type == FCGIStdout {
			b = append(b, r.Content...)
		}
	}
	return b
}

// FCGIDo connects to addr on network ("unix" or "tcp"), writes req
// while reading, and returns every byte read until the peer closed
// the connection, at most timeout in all.
func FCGIDo(network, addr string, req []byte, timeout time.Duration) ([]byte, error) {
	return exchange(network, addr, req, timeout)
}

// CGIFCGI sends a request with cgi-fcgi(1) from libfcgi:
// "cgi-fcgi -bind -connect socket", with params as its environment
// and stdin as its input. It returns what cgi-fcgi printed: the
// contents of the STDOUT records.
func CGIFCGI(socket string, params []Param, stdin []byte) ([]byte, error) {
	cmd := exec.Command("cgi-fcgi", "-bind", "-connect", socket)
	cmd.Env = []string{}
	for _, p := range params {
		cmd.Env = append(cmd.Env, p.Name+"="+p.Value)
	}
	cmd.Stdin = bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("cgi-fcgi: %v: %s", err, stderr.Bytes())
	}
	return out, nil
}
