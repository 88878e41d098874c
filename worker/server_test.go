package worker

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/baton-oncall/baton/config"
	"github.com/baton-oncall/baton/gateway"
	"github.com/baton-oncall/baton/metrics"
	"github.com/baton-oncall/baton/team"
)

const testTeams = `
teams:
  - name: data
    timezone: Europe/Berlin
    slack: {channel: C0DATA, user_group: data-oncall}
    pager: {rotation: {members: [alice], shift: 1w, start: "2026-11-02T09:00"}}
    handover: {weekday: monday, time: "09:00"}
    incidents: {webhook_token_env: BATON_TEST_DATA_WEBHOOK_TOKEN}
    people:
      - {id: alice, email: alice@example.com}
`

// deadTemporal is a client of a Temporal nobody serves: every call fails,
// with an error that names the address.
func deadTemporal(t *testing.T) (client.Client, string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	c, err := client.NewLazyClient(client.Options{HostPort: addr})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c, addr
}

// startGateway starts the gateway role on loopback ports with cfg's
// metrics address.
func startGateway(t *testing.T, metricsAddr string) (*Worker, string) {
	t.Helper()
	teams, err := team.Parse([]byte(testTeams))
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("BATON_TEST_DATA_WEBHOOK_TOKEN", "data-token")
	c, temporalAddr := deadTemporal(t)
	cfg := config.Config{HTTPAddr: "127.0.0.1:0", MetricsAddr: metricsAddr, WebhookToken: "global-token"}
	w, err := Start(cfg, c, teams, Options{Role: RoleGateway, Metrics: metrics.New(), Out: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := w.Stop(ctx); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	return w, temporalAddr
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// The server Start runs has every limit, not just ReadHeaderTimeout.
func TestTheGatewayServerIsBounded(t *testing.T) {
	w, _ := startGateway(t, "")
	s := w.http
	if s.ReadHeaderTimeout <= 0 || s.ReadTimeout <= 0 || s.WriteTimeout <= 0 || s.IdleTimeout <= 0 || s.MaxHeaderBytes <= 0 {
		t.Errorf("server limits: read header %v, read %v, write %v, idle %v, header bytes %d: want all set",
			s.ReadHeaderTimeout, s.ReadTimeout, s.WriteTimeout, s.IdleTimeout, s.MaxHeaderBytes)
	}
	if s.MaxHeaderBytes > 64<<10 {
		t.Errorf("headers of up to %d bytes", s.MaxHeaderBytes)
	}
	if s.WriteTimeout <= 10*time.Second {
		t.Errorf("write timeout %v: a webhook may take 10 s to answer", s.WriteTimeout)
	}
}

// A body that trickles in is cut off by the server at its read timeout:
// the connection does not stay held.
func TestASlowBodyIsCutOff(t *testing.T) {
	limits := gatewayLimits
	limits.read = 300 * time.Millisecond
	s := newHTTPServer(gateway.New(gateway.Options{WebhookToken: "t"}), limits)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- s.Serve(l) }()
	t.Cleanup(func() {
		_ = s.Close()
		<-served
	})

	conn, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /webhooks/generic HTTP/1.1\r\nHost: baton\r\nAuthorization: Bearer t\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{\"team\": ")
	// The rest of the body never comes. The server must give up on its
	// own; the test's deadline is only there so a hold fails, not hangs.
	start := time.Now()
	if err := conn.SetReadDeadline(start.Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	_, err = io.Copy(io.Discard, bufio.NewReader(conn))
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the server held the connection for %v with a body that never came", time.Since(start))
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("the connection was cut only after %v", took)
	}
}

// With BATON_METRICS_ADDR, /metrics and the probes are served there and
// /metrics leaves the public port; the probes say "unavailable" without
// Temporal's error, on either port.
func TestMetricsAddrServesMetricsApart(t *testing.T) {
	w, temporalAddr := startGateway(t, "127.0.0.1:0")
	public, internal := "http://"+w.GatewayAddr, "http://"+w.MetricsAddr
	if w.MetricsAddr == "" || w.MetricsAddr == w.GatewayAddr {
		t.Fatalf("metrics on %q, gateway on %q", w.MetricsAddr, w.GatewayAddr)
	}
	if code, _ := get(t, public+"/metrics"); code != http.StatusNotFound {
		t.Errorf("public /metrics: %d, want 404", code)
	}
	if code, body := get(t, internal+"/metrics"); code != http.StatusOK || !strings.Contains(body, "go_goroutines") {
		t.Errorf("internal /metrics: %d\n%.300s", code, body)
	}
	for _, base := range []string{internal, public} {
		if code, body := get(t, base+"/livez"); code != http.StatusOK || strings.TrimSpace(body) != "ok" {
			t.Errorf("%s/livez: %d %q", base, code, body)
		}
		for _, probe := range []string{"/readyz", "/healthz"} {
			code, body := get(t, base+probe)
			if code != http.StatusServiceUnavailable || !strings.Contains(body, "unavailable") {
				t.Errorf("%s%s: %d %q, want 503 unavailable", base, probe, code, body)
			}
			if strings.Contains(body, temporalAddr) || strings.Contains(strings.ToLower(body), "connection refused") {
				t.Errorf("%s%s gives Temporal's error away: %q", base, probe, body)
			}
		}
	}
	// The internal port serves no public route.
	if code, _ := get(t, internal+"/calendar/data.ics"); code != http.StatusNotFound {
		t.Errorf("internal /calendar: %d, want 404", code)
	}
}

func TestWithoutMetricsAddrMetricsStayOnThePublicPort(t *testing.T) {
	w, _ := startGateway(t, "")
	if w.MetricsAddr != "" {
		t.Errorf("MetricsAddr %q", w.MetricsAddr)
	}
	if code, _ := get(t, "http://"+w.GatewayAddr+"/metrics"); code != http.StatusOK {
		t.Errorf("/metrics: %d, want 200", code)
	}
}

// A team file naming a token variable that is not set stops the start,
// naming the variable.
func TestAMissingTeamTokenStopsTheStart(t *testing.T) {
	teams, err := team.Parse([]byte(testTeams))
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("BATON_TEST_DATA_WEBHOOK_TOKEN", "")
	c, _ := deadTemporal(t)
	_, err = Start(config.Config{HTTPAddr: "127.0.0.1:0"}, c, teams, Options{Role: RoleGateway, Out: io.Discard})
	if err == nil || !strings.Contains(err.Error(), "BATON_TEST_DATA_WEBHOOK_TOKEN") {
		t.Fatalf("error %v, want one naming BATON_TEST_DATA_WEBHOOK_TOKEN", err)
	}
}
