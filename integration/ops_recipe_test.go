package integration

// The recipe tests run the deployment scripts and configurations of
// deploy/ verbatim, with a private /var/www, and check that the README
// quotes them exactly.

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kcgi-go/kcgi-go/internal/harness"
)

// quoted matches a fenced block right after a line "<!-- deploy/NAME -->".
var quoted = regexp.MustCompile("(?m)^<!-- (deploy/[^ ]+) -->\n```[a-z]*\n((?s:.*?))```\n")

// TestOpsQuoted checks that every block of README.md marked as a file
// of deploy/ is that file, byte for byte, and that every file of
// deploy/ is quoted there.
func TestOpsQuoted(t *testing.T) {
	root, err := harness.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	seen := make(map[string]bool)
	for _, doc := range []string{"README.md"} {
		b, err := os.ReadFile(filepath.Join(root, doc))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range quoted.FindAllStringSubmatch(string(b), -1) {
			name, block := m[1], m[2]
			seen[name] = true
			want, err := os.ReadFile(filepath.Join(root, name))
			if err != nil {
				t.Errorf("%s quotes %s: %v", doc, name, err)
			} else if block != string(want) {
				t.Errorf("%s: the block marked %s differs from the file", doc, name)
			}
		}
	}
	filepath.WalkDir(filepath.Join(root, "deploy"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if rel, _ := filepath.Rel(root, p); !seen[rel] {
				t.Errorf("%s is not quoted in README.md", rel)
			}
		}
		return err
	})
}

// recipeNginx starts nginx, outside the box, with the server block
// conf of deploy/, in which only "listen 80" and paths under /var/www
// are rewritten to a free loopback port and to the box's directory.
func recipeNginx(t *testing.T, box *harness.Box, conf string) *harness.Nginx {
	t.Helper()
	port, err := harness.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	conf = strings.Replace(conf, "listen 80;", "listen "+addr+";", 1)
	conf = strings.ReplaceAll(conf, "/var/www/", box.Path("/var/www")+"/")
	dir := nginxDir(t, conf)
	return harness.StartNginxProc(t, harness.NginxProc{Cmd: harness.NginxCommand(dir), Dir: dir, Addr: addr})
}

// TestOpsLinuxRecipe runs deploy/linux/install.sh as the README says,
// from the directory holding tutorial2, with a private /var/www, then
// puts deploy/linux/nginx.conf in front and GETs /fcgi-bin/tutorial2.
func TestOpsLinuxRecipe(t *testing.T) {
	p := goProgram(t)
	harness.RequireBox(t)
	box := harness.StartBox(t, "/var/www")
	build := t.TempDir()
	copyFile(t, p.bin, filepath.Join(build, "tutorial2"), 0o755)
	root, err := harness.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	out, err := box.Run(30*time.Second, nil, build, filepath.Join(root, "deploy/linux/install.sh"))
	if err != nil || out != "" {
		t.Fatalf("install.sh: %v, output %q", err, out)
	}
	// kfcgi went into the background: the box's init adopted it.
	var kf []int
	for i := 0; i < 100 && len(kf) == 0; i++ {
		kf = box.Processes("kfcgi")
		time.Sleep(20 * time.Millisecond)
	}
	if len(kf) != 1 {
		t.Fatalf("kfcgi processes in the box: %v, want one", kf)
	}
	w := recipeNginx(t, box, deployFile(t, "linux/nginx.conf"))
	c := &http.Client{Timeout: 10 * time.Second}
	body, err := getBody(c, w.URL("/fcgi-bin/tutorial2"))
	if err != nil || body != string(hello) {
		t.Fatalf("GET /fcgi-bin/tutorial2: %q, %v", body, err)
	}
	t.Logf("install.sh started kfcgi %d; nginx answered %q", kf[0], body)
}

// TestOpsShellSyntax checks the shell scripts of deploy/ with sh -n,
// the only check the OpenBSD rc.d script gets here.
func TestOpsShellSyntax(t *testing.T) {
	for _, name := range []string{"linux/install.sh", "linux/upgrade.sh", "openbsd/rc.d/kfcgi_tutorial2"} {
		cmd := exec.Command("sh", "-n")
		cmd.Stdin = strings.NewReader(deployFile(t, name))
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("sh -n %s: %v\n%s", name, err, out)
		}
	}
}
