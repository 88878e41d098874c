package devstack

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/temporaladmin"
)

func dial(t *testing.T, s *Server) client.Client {
	t.Helper()
	c, err := client.Dial(client.Options{HostPort: s.FrontendAddr, Namespace: "default"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestServerKeepsWorkflowsAcrossRestarts(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Start(ctx, Options{DataDir: dir, UIPort: 0})
	if err != nil {
		t.Fatal(err)
	}
	c := dial(t, s)

	// The Web UI answers.
	resp, err := http.Get(s.UIURL + "/namespaces/default/workflows")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("web UI: %s", resp.Status)
	}

	// Baton's namespace setup: search attributes and 30 days' retention.
	res, err := temporaladmin.EnsureNamespace(ctx, c, "default")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.AddedSearchAttributes) != len(contract.SearchAttributes()) || res.RetentionRaisedTo != temporaladmin.MinRetention {
		t.Fatalf("first setup: %+v", res)
	}

	// A workflow runs to completion.
	w := worker.New(c, "q", worker.Options{})
	w.RegisterWorkflowWithOptions(func(ctx workflow.Context) (string, error) { return "done", nil }, workflow.RegisterOptions{Name: "Echo"})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "kept", TaskQueue: "q"}, "Echo")
	if err != nil {
		t.Fatal(err)
	}
	if err := run.Get(ctx, nil); err != nil {
		t.Fatal(err)
	}
	w.Stop()
	c.Close()
	s.Stop()

	// After a restart on the same directory the run and the setup are
	// still there, and setting up again changes nothing.
	s, err = Start(ctx, Options{DataDir: dir, UIPort: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	if s.UIURL != "" {
		t.Errorf("UIPort -1 must run no UI, got %s", s.UIURL)
	}
	c = dial(t, s)
	defer c.Close()
	desc, err := c.DescribeWorkflowExecution(ctx, "kept", "")
	if err != nil {
		t.Fatalf("the workflow did not survive the restart: %v", err)
	}
	if desc.GetWorkflowExecutionInfo().GetType().GetName() != "Echo" {
		t.Errorf("described %v", desc)
	}
	res, err = temporaladmin.EnsureNamespace(ctx, c, "default")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.AddedSearchAttributes) != 0 || res.RetentionRaisedTo != 0 {
		t.Errorf("second setup changed things: %+v", res)
	}
	ns, err := c.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: "default"})
	if err != nil {
		t.Fatal(err)
	}
	if got := ns.GetConfig().GetWorkflowExecutionRetentionTtl().AsDuration(); got < 30*24*time.Hour {
		t.Errorf("retention = %s", got)
	}
}

func TestBusyPortIsReported(t *testing.T) {
	ctx := context.Background()
	s, err := Start(ctx, Options{InMemory: true, UIPort: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	_, p, _ := net.SplitHostPort(s.FrontendAddr)
	port, _ := strconv.Atoi(p)
	_, err = Start(ctx, Options{InMemory: true, UIPort: -1, FrontendPort: port})
	if err == nil || !strings.Contains(err.Error(), "frontend port") {
		t.Fatalf("a second server on the same port must fail clearly, got %v", err)
	}
}

// The server is given nine ports at once; a port given twice makes it
// exit when its second service cannot listen.
func TestPickedPortsDiffer(t *testing.T) {
	for range 300 {
		ports, err := pickPorts("127.0.0.1", "frontend port", 0, 8)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[int]bool{}
		for _, p := range ports {
			if seen[p] {
				t.Fatalf("port %d picked twice: %v", p, ports)
			}
			seen[p] = true
		}
	}
}
