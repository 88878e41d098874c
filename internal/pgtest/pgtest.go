// Package pgtest starts a real PostgreSQL for a test: Debian's server
// binaries, a cluster of the test's own in a temporary directory, on a
// free loopback port, stopped and removed when the test ends. Checks are
// tested against the database their users run, not against a fake.
package pgtest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Password is the password of the cluster's superuser, "baton": a test
// checks that no error gives it away.
const Password = "pg-test-s3cret"

// RequireEnv, when set, makes a machine without PostgreSQL's server fail
// the test instead of skipping it: CI installs it and sets this.
const RequireEnv = "BATON_REQUIRE_POSTGRES"

// Server is a running PostgreSQL.
type Server struct {
	// URL reaches the database baton_test as the superuser baton, by
	// password over TCP.
	URL  string
	Port int
}

// Start starts a PostgreSQL for the test, or skips the test where its
// binaries are not installed (apt-get install postgresql) and RequireEnv
// is not set.
func Start(t testing.TB) *Server {
	t.Helper()
	bin := binDir()
	if bin == "" {
		if os.Getenv(RequireEnv) != "" {
			t.Fatalf("%s is set but PostgreSQL's server is not installed (/usr/lib/postgresql/*/bin/postgres): apt-get install postgresql", RequireEnv)
		}
		t.Skip("PostgreSQL's server is not installed (apt-get install postgresql); set " + RequireEnv + " to fail instead")
	}
	dir, err := os.MkdirTemp("", "baton-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	// The server refuses to run as root: as root, it runs as Debian's
	// postgres user, which must own its directory.
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("running as root, PostgreSQL needs the postgres user: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	run := func(name string, args ...string) *exec.Cmd {
		cmd := exec.Command(filepath.Join(bin, name), args...)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Setpgid: true}
		return cmd
	}
	pwfile := filepath.Join(dir, "pw")
	if err := os.WriteFile(pwfile, []byte(Password+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	if out, err := run("initdb", "-D", data, "-U", "baton", "--pwfile", pwfile, "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--no-sync").CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	port := freePort(t)
	srv := run("postgres", "-D", data, "-p", strconv.Itoa(port), "-k", dir, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off")
	logFile, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		t.Fatal(err)
	}
	srv.Stdout, srv.Stderr = logFile, logFile
	if err := srv.Start(); err != nil {
		t.Fatalf("start postgres: %v", err)
	}
	t.Cleanup(func() {
		_ = srv.Process.Signal(syscall.SIGINT) // fast shutdown
		_ = srv.Wait()
		logFile.Close()
	})
	admin := fmt.Sprintf("postgres://baton:%s@127.0.0.1:%d/postgres?sslmode=disable", Password, port)
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		conn, err := pgx.Connect(ctx, admin)
		if err == nil {
			_, err = conn.Exec(ctx, "CREATE DATABASE baton_test")
			conn.Close(ctx)
			cancel()
			if err != nil {
				t.Fatalf("create the test database: %v", err)
			}
			break
		}
		cancel()
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(logFile.Name())
			t.Fatalf("PostgreSQL did not answer within 30s: %v\n%s", err, log)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return &Server{URL: fmt.Sprintf("postgres://baton:%s@127.0.0.1:%d/baton_test?sslmode=disable", Password, port), Port: port}
}

// Exec runs SQL statements on the test database, failing the test on an
// error.
func (s *Server) Exec(t testing.TB, sql string, args ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// binDir is the newest installed PostgreSQL's bin directory, or "".
func binDir() string {
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/postgres")
	if len(found) == 0 {
		return ""
	}
	slices.SortFunc(found, func(a, b string) int { return version(a) - version(b) })
	return filepath.Dir(found[len(found)-1])
}

// version is the major version in a /usr/lib/postgresql/<v>/bin path.
func version(path string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(path))))
	return v
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
