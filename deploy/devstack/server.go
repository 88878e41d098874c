// Package devstack runs a Temporal server and its Web UI inside the calling
// process, on SQLite, so that Baton runs locally without Docker or a
// separately installed server. Only the dev stack and tests link it: the
// worker binary talks to a Temporal server it does not contain.
package devstack

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/server/common/cluster"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/dynamicconfig"
	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/log/tag"
	"go.temporal.io/server/common/metrics"
	sqliteplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite"
	"go.temporal.io/server/schema/sqlite"
	"go.temporal.io/server/temporal"

	uiserver "github.com/temporalio/ui-server/v2/server"
	uiconfig "github.com/temporalio/ui-server/v2/server/config"
	"github.com/temporalio/ui-server/v2/server/server_options"
	_ "modernc.org/sqlite" // the driver of the server's SQLite plugin
)

// Options say where the embedded server keeps its data and listens.
type Options struct {
	// DataDir holds the SQLite database and the server's log. Ignored when
	// InMemory is set.
	DataDir string
	// InMemory keeps everything in memory: nothing survives a restart.
	InMemory bool
	// IP to listen on; 127.0.0.1 unless set.
	IP string
	// FrontendPort is the gRPC port SDKs and the temporal CLI connect to
	// (7233 by convention); 0 picks a free port.
	FrontendPort int
	// UIPort is the Web UI's HTTP port (8233 by convention); 0 picks a free
	// port, -1 runs no UI.
	UIPort int
	// Namespace is created at start if missing.
	Namespace string
}

// Server is a running embedded Temporal server, with its UI.
type Server struct {
	server       temporal.Server
	ui           *uiserver.Server
	FrontendAddr string
	// UIURL is empty when no UI runs.
	UIURL   string
	LogFile string
}

// Start starts the server and waits until its frontend answers.
func Start(ctx context.Context, opts Options) (*Server, error) {
	if opts.IP == "" {
		opts.IP = "127.0.0.1"
	}
	if opts.Namespace == "" {
		opts.Namespace = "default"
	}
	// The frontend's port and the eight others the server's services
	// listen on (gRPC, membership, metrics).
	ports, err := pickPorts(opts.IP, "frontend port", opts.FrontendPort, 8)
	if err != nil {
		return nil, err
	}
	frontendPort := ports[0]
	s := &Server{FrontendAddr: net.JoinHostPort(opts.IP, strconv.Itoa(frontendPort))}

	sqlCfg := &config.SQL{
		PluginName:        sqliteplugin.PluginName,
		ConnectAttributes: map[string]string{},
	}
	var logger log.Logger
	if opts.InMemory {
		sqlCfg.DatabaseName = fmt.Sprintf("baton-dev-%d", time.Now().UnixNano())
		sqlCfg.ConnectAttributes["mode"] = "memory"
		sqlCfg.ConnectAttributes["cache"] = "shared"
		logger = log.NewNoopLogger()
	} else {
		if err := os.MkdirAll(opts.DataDir, 0o700); err != nil {
			return nil, fmt.Errorf("data directory: %w", err)
		}
		sqlCfg.DatabaseName = filepath.Join(opts.DataDir, "temporal.db")
		sqlCfg.ConnectAttributes["mode"] = "rwc"
		// WAL keeps the UI's reads from blocking the server's writes.
		sqlCfg.ConnectAttributes["_journal_mode"] = "wal"
		s.LogFile = filepath.Join(opts.DataDir, "temporal.log")
		logger = log.NewZapLogger(log.BuildZapLogger(log.Config{Level: "warn", OutputFile: s.LogFile}))
	}
	// A new database file gets its schema; an existing one keeps its data.
	// (The SQLite plugin sets up an in-memory database itself.)
	if _, err := os.Stat(sqlCfg.DatabaseName); !opts.InMemory && errors.Is(err, os.ErrNotExist) {
		if err := sqlite.SetupSchema(sqlCfg); err != nil {
			return nil, fmt.Errorf("create the database schema: %w", err)
		}
	}

	if !opts.InMemory {
		if err := forgetMembership(sqlCfg.DatabaseName); err != nil {
			return nil, err
		}
	}

	cfg := serverConfig(opts.IP, ports, sqlCfg)
	ns, err := sqlite.NewNamespaceConfig(cfg.ClusterMetadata.CurrentClusterName, opts.Namespace, false, nil)
	if err != nil {
		return nil, err
	}
	if err := sqlite.CreateNamespaces(sqlCfg, ns); err != nil {
		return nil, fmt.Errorf("create namespace %q: %w", opts.Namespace, err)
	}

	s.server, err = temporal.NewServer(
		temporal.WithConfig(cfg),
		temporal.ForServices(temporal.DefaultServices),
		temporal.WithLogger(fatalAloud{logger}),
		temporal.WithDynamicConfigClient(dynamicconfig.StaticClient{
			// Search attributes added at start are usable at once.
			dynamicconfig.ForceSearchAttributesCacheRefreshOnRead.Key(): []dynamicconfig.ConstrainedValue{{Value: true}},
		}),
	)
	if err != nil {
		return nil, fmt.Errorf("create the Temporal server: %w", err)
	}
	if err := s.server.Start(); err != nil {
		return nil, fmt.Errorf("start the Temporal server: %w", err)
	}

	if opts.UIPort >= 0 {
		ui, err := pickPorts(opts.IP, "web UI port", opts.UIPort, 0)
		if err != nil {
			s.Stop()
			return nil, err
		}
		uiPort := ui[0]
		s.ui = uiserver.NewServer(server_options.WithConfigProvider(&uiconfig.Config{
			TemporalGRPCAddress: s.FrontendAddr,
			Host:                opts.IP,
			Port:                uiPort,
			EnableUI:            true,
			DefaultNamespace:    opts.Namespace,
			HideLogs:            true,
			DisableNewsFetch:    true,
			Distribution:        "baton-dev",
			CORS:                uiconfig.CORS{CookieInsecure: true},
		}))
		go func() { _ = s.ui.Start() }()
		s.UIURL = fmt.Sprintf("http://%s", net.JoinHostPort(opts.IP, strconv.Itoa(uiPort)))
		if err := waitHTTP(ctx, s.UIURL); err != nil {
			s.Stop()
			return nil, fmt.Errorf("web UI did not come up: %w", err)
		}
	}
	return s, nil
}

// Stop stops the UI and the server.
func (s *Server) Stop() {
	if s.ui != nil {
		s.ui.Stop()
	}
	_ = s.server.Stop()
}

// serverConfig is the server's configuration on the nine ports picked:
// the frontend's first.
func serverConfig(ip string, ports []int, sqlCfg *config.SQL) *config.Config {
	frontendPort, ports := ports[0], ports[1:]
	service := func(grpcPort, membershipPort int) config.Service {
		return config.Service{RPC: config.RPC{GRPCPort: grpcPort, MembershipPort: membershipPort, BindOnIP: ip}}
	}
	return &config.Config{
		Global: config.Global{
			Membership: config.Membership{MaxJoinDuration: 30 * time.Second, BroadcastAddress: ip},
			Metrics: &metrics.Config{Prometheus: &metrics.PrometheusConfig{
				ListenAddress: net.JoinHostPort(ip, strconv.Itoa(ports[7])),
				HandlerPath:   "/metrics",
			}},
		},
		Persistence: config.Persistence{
			DefaultStore:     sqliteplugin.PluginName,
			VisibilityStore:  sqliteplugin.PluginName,
			NumHistoryShards: 1,
			DataStores:       map[string]config.DataStore{sqliteplugin.PluginName: {SQL: sqlCfg}},
		},
		ClusterMetadata: &cluster.Config{
			EnableGlobalNamespace:    false,
			FailoverVersionIncrement: 10,
			MasterClusterName:        "active",
			CurrentClusterName:       "active",
			ClusterInformation: map[string]cluster.ClusterInformation{
				"active": {Enabled: true, InitialFailoverVersion: 1, RPCAddress: net.JoinHostPort(ip, strconv.Itoa(frontendPort))},
			},
		},
		DCRedirectionPolicy: config.DCRedirectionPolicy{Policy: "noop"},
		Services: map[string]config.Service{
			"frontend": service(frontendPort, ports[0]),
			"history":  service(ports[1], ports[2]),
			"matching": service(ports[3], ports[4]),
			"worker":   service(ports[5], ports[6]),
		},
		Archival: config.Archival{
			History:    config.HistoryArchival{State: "disabled"},
			Visibility: config.VisibilityArchival{State: "disabled"},
		},
		NamespaceDefaults: config.NamespaceDefaults{Archival: config.ArchivalNamespaceDefaults{
			History:    config.HistoryArchivalNamespaceDefaults{State: "disabled"},
			Visibility: config.VisibilityArchivalNamespaceDefaults{State: "disabled"},
		}},
		PublicClient: config.PublicClient{HostPort: net.JoinHostPort(ip, strconv.Itoa(frontendPort))},
	}
}

// fatalAloud also writes the server's fatal errors to standard error: the
// server exits the process on them, and without this the only word of why
// would be in a log file, or nowhere when the server runs in memory.
type fatalAloud struct{ log.Logger }

func (l fatalAloud) Fatal(msg string, tags ...tag.Tag) {
	var b strings.Builder
	for _, t := range tags {
		fmt.Fprintf(&b, " %s=%v", t.Key(), t.Value())
	}
	fmt.Fprintf(os.Stderr, "Temporal server: %s%s\n", msg, b.String())
	l.Logger.Fatal(msg, tags...)
}

// forgetMembership clears the cluster's membership records. This server
// is the whole cluster, so every record it finds at start is its own past:
// a run that was killed leaves its records behind, and the new run would
// wait for them to expire (about 40 s) before it took its shards back, and
// with them every timer that fell due meanwhile. The frontend's port,
// taken above, keeps a second stack off the same data directory.
func forgetMembership(db string) error {
	conn, err := sql.Open("sqlite", "file:"+db+"?_pragma=busy_timeout(5000)")
	if err != nil {
		return fmt.Errorf("open the database to clear its membership: %w", err)
	}
	defer conn.Close()
	if _, err := conn.Exec("DELETE FROM cluster_membership"); err != nil {
		return fmt.Errorf("clear the membership of the last run: %w", err)
	}
	return nil
}

// pickPorts returns the port called name (a free one when port is 0)
// followed by n other free ports, and checks that each can be bound, so that a busy
// port is reported clearly instead of deep in the server's start: the
// server exits the process when it cannot listen. Every port is held
// until all are picked, so that no two of them are the same.
func pickPorts(ip, name string, port, n int) ([]int, error) {
	var held []net.Listener
	defer func() {
		for _, l := range held {
			l.Close()
		}
	}()
	l, err := listenOrFree(ip, port)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	held = append(held, l)
	for range n {
		l, err := listenOrFree(ip, 0)
		if err != nil {
			return nil, fmt.Errorf("a port for the server's services: %w", err)
		}
		held = append(held, l)
	}
	ports := make([]int, len(held))
	for i, l := range held {
		ports[i] = l.Addr().(*net.TCPAddr).Port
	}
	return ports, nil
}

// listenOrFree listens on port, or on a free one when port is 0.
func listenOrFree(ip string, port int) (net.Listener, error) {
	if port == 0 {
		// The server binds the ports it is given a moment after they are
		// picked. A port the kernel hands out for :0 comes from the
		// ephemeral range, which outgoing connections also draw from, so
		// one of them may take it meanwhile and the server's service then
		// fails to listen. A free port below that range is picked first.
		for range 50 {
			p := belowEphemeral + rand.IntN(belowEphemeralSpan)
			if l, err := net.Listen("tcp", net.JoinHostPort(ip, strconv.Itoa(p))); err == nil {
				return l, nil
			}
		}
	}
	return net.Listen("tcp", net.JoinHostPort(ip, strconv.Itoa(port)))
}

// Ports 20000 to 31999 lie below Linux's default ephemeral range
// (32768-60999), where picked ports are not taken by outgoing connections.
const (
	belowEphemeral     = 20000
	belowEphemeralSpan = 12000
)

func waitHTTP(ctx context.Context, url string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}
