package kcgi

import (
	"errors"
	"strings"
	"testing"
)

// FuzzCheckHeader: an accepted header can be written as one line.
func FuzzCheckHeader(f *testing.F) {
	for _, s := range [][2]string{{"Content-Type", "text/plain"}, {"X", "a\r\nb"}, {"Bad Name", ""}, {"", "v"}, {"X-\x00", "v"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, key, value string) {
		err := CheckHeader(key, value)
		if err != nil {
			if !errors.Is(err, ErrHeader) {
				t.Fatalf("error %v does not wrap ErrHeader", err)
			}
			return
		}
		if key == "" || strings.ContainsAny(key, " \t\r\n\x00:") || strings.ContainsAny(value, "\r\n\x00") {
			t.Fatalf("accepted %q: %q", key, value)
		}
	})
}
