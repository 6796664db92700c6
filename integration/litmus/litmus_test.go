package litmus

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kcgi-go/kcgi-go/internal/harness"
)

func TestMain(m *testing.M) {
	code := m.Run()
	harness.RemoveBuilds()
	os.Exit(code)
}

// result is litmus's verdict on each test, by "suite/number.name".
type result map[string]string

// The lines of litmus's output: a suite starts; a test starts, with its
// verdict, such as " 8. delete_null........... FAIL (DELETE on null
// resource did not fail)", or with a warning and the verdict on a later
// line that starts with dots.
var (
	suiteLine   = regexp.MustCompile("^-> running `([a-z]+)'")
	testLine    = regexp.MustCompile(`^\s*(\d+)\.\s+(\S+?)\.*\s+(.*)$`)
	verdictLine = regexp.MustCompile(`^\s*\.+\s+(.*)$`)
	verdict     = regexp.MustCompile(`^(pass|FAIL|SKIPPED)\b`)
)

// litmus runs every suite against url and returns the verdicts.
func litmus(t *testing.T, url string) (result, string) {
	t.Helper()
	cmd := exec.Command("litmus", "-k", url)
	cmd.Dir = t.TempDir()          // for its debug.log and child.log
	out, _ := cmd.CombinedOutput() // non-zero when a test fails
	res := result{}
	suite, test := "", ""
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		line := sc.Text()
		if i := strings.LastIndexByte(line, '\r'); i >= 0 {
			line = line[i+1:] // the progress before the verdict
		}
		if m := suiteLine.FindStringSubmatch(line); m != nil {
			suite = m[1]
		} else if m := testLine.FindStringSubmatch(line); m != nil {
			test = fmt.Sprintf("%s/%02s.%s", suite, m[1], m[2]) // the locks suite repeats names
			if verdict.MatchString(m[3]) {
				res[test] = m[3]
			} else {
				res[test] = "WARNING" // until the verdict comes
			}
		} else if m := verdictLine.FindStringSubmatch(line); m != nil && test != "" && verdict.MatchString(m[1]) {
			res[test] = m[1]
		}
	}
	if len(res) == 0 {
		t.Fatalf("litmus %s: no results:\n%s", url, out)
	}
	return res, string(out)
}

func (r result) passed() int {
	n := 0
	for _, v := range r {
		if strings.HasPrefix(v, "pass") {
			n++
		}
	}
	return n
}

// TestLitmus: the adapter passes every litmus test that net/http/fcgi
// passes behind the same nginx, and the three tables are logged.
func TestLitmus(t *testing.T) {
	harness.Require(t, "litmus")
	bin := harness.MustBuildGo(t, "./davserver")
	one := harness.Pool{Workers: 1} // one worker: the files and locks are in its memory
	kc := harness.StartKfcgi(t, harness.KfcgiConfig{Binary: bin, Name: "davserver", Pool: one})
	std := harness.StartKfcgiStdlib(t, harness.KfcgiConfig{Binary: bin, Name: "davserver", Pool: one})
	plain := startHTTP(t, bin)
	// Debian's fastcgi_params now passes HTTP_HOST as $host, without the
	// port, and webdav refuses a COPY or MOVE whose Destination names
	// another host than r.Host (502): pass the Host header as sent.
	host := harness.Param{Name: "HTTP_HOST", Value: "$http_host"}
	runs := []struct {
		name string
		url  string
	}{
		{"kcgi", harness.StartNginxParams(t, harness.NginxConfig{Socket: kc.Socket}, host).URL("/")},
		{"net/http/fcgi", harness.StartNginxParams(t, harness.NginxConfig{Socket: std.Socket}, host).URL("/")},
		{"net/http", "http://" + plain + "/"},
	}
	res := make([]result, len(runs))
	outs := make([]string, len(runs))
	for i, r := range runs {
		res[i], outs[i] = litmus(t, r.url)
		t.Logf("%s: %d/%d passed", r.name, res[i].passed(), len(res[i]))
	}
	defer func() {
		if t.Failed() {
			for i, r := range runs {
				t.Logf("litmus output for %s:\n%s", r.name, outs[i])
			}
		}
	}()
	names := make([]string, 0, len(res[1]))
	for k := range res[1] {
		names = append(names, k)
	}
	sort.Strings(names)
	var table strings.Builder
	fmt.Fprintf(&table, "%-32s %-14s %-14s %s\n", "test", runs[0].name, runs[1].name, runs[2].name)
	for _, k := range names {
		kv, sv, pv := res[0][k], res[1][k], res[2][k]
		if short(kv) != short(sv) || short(sv) != short(pv) || short(sv) != "pass" {
			fmt.Fprintf(&table, "%-32s %-14s %-14s %s\n", k, short(kv), short(sv), short(pv))
		}
		if strings.HasPrefix(sv, "pass") && !strings.HasPrefix(kv, "pass") {
			t.Errorf("%s: passes under net/http/fcgi, not under kcgi: %s", k, kv)
		}
	}
	t.Logf("tests that do not pass everywhere alike:\n%s", table.String())
	for _, k := range []*harness.Kfcgi{kc, std} {
		if !k.Running() {
			t.Errorf("kfcgi exited:\n%s", k.Log())
		}
		if crash := harness.GoCrash(k.Log()); crash != "" {
			t.Errorf("Go crash:\n%s", crash)
		}
	}
}

func short(s string) string {
	if s == "" {
		return "-"
	}
	s, _, _ = strings.Cut(s, " (")
	return s
}

// startHTTP runs bin as a plain net/http server and returns its
// address.
func startHTTP(t *testing.T, bin string) string {
	t.Helper()
	port, err := harness.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	cmd := exec.Command(bin, "-http", addr)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return addr
		}
	}
	t.Fatalf("%s -http %s: not listening", bin, addr)
	return ""
}
