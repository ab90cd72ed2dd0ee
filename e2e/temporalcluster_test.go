package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"text/template"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/server/common"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/coffeeshop/coffeeshop/internal/pgtest"
)

// A Temporal cluster as it is deployed: the server's own binaries, built
// from the go.temporal.io/server module this module pins (go.mod lists
// them as tools), its schema set up by its own SQL tool in PostgreSQL
// databases of their own, and the frontend, history, matching and worker
// services each in a process of its own.

const (
	serverPkg  = "go.temporal.io/server/cmd/server"
	sqlToolPkg = "go.temporal.io/server/cmd/tools/sql"
	// clusterShards is the cluster's number of history shards: more than
	// one, as in any real deployment, so that each service owns several.
	clusterShards = 4
)

// serverBuild is the result of building the server's binaries, once per
// test binary run.
var serverBuild struct {
	once            sync.Once
	server, sqlTool string
	schemaDir       string // the module's schema/postgresql/v12
	took            time.Duration
	err             error

	mu       sync.Mutex
	reported bool // the build time was logged
}

// temporalServerBinaries returns the server and SQL tool binaries and the
// module's PostgreSQL schema directory, building them on the first call.
// When they cannot be built the test is skipped with the reason, or, under
// CI=true, fails: CI must not pass by skipping.
func temporalServerBinaries(t *testing.T) (server, sqlTool, schemaDir string) {
	t.Helper()
	serverBuild.once.Do(func() {
		start := time.Now()
		serverBuild.server, serverBuild.sqlTool, serverBuild.schemaDir, serverBuild.err = buildTemporalServer(filepath.Dir(binary))
		serverBuild.took = time.Since(start)
	})
	if serverBuild.err != nil {
		cannotTest(t, "cannot build the Temporal server's binaries: "+serverBuild.err.Error())
	}
	serverBuild.mu.Lock()
	if !serverBuild.reported {
		t.Logf("built the Temporal server and its SQL tool in %.1fs", serverBuild.took.Seconds())
		serverBuild.reported = true
	}
	serverBuild.mu.Unlock()
	return serverBuild.server, serverBuild.sqlTool, serverBuild.schemaDir
}

// buildTemporalServer builds the two binaries from this module, so with
// the versions go.mod pins, and links (or copies) them into dir (TestMain's,
// which it removes at the end). go.mod lists them as tools, so `go tool
// -n` builds each once and keeps it in the build cache: a later run finds
// it there instead of linking a 200 MB binary again.
func buildTemporalServer(dir string) (server, sqlTool, schemaDir string, err error) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		return "", "", "", fmt.Errorf("no go command to build them with: %w", err)
	}
	run := func(args ...string) (string, error) {
		cmd := exec.Command(goTool, args...)
		cmd.Dir = ".." // the module's root
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return "", fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, stderr.String())
		}
		return strings.TrimSpace(string(out)), nil
	}
	for _, b := range []struct {
		pkg, name string
		path      *string
	}{{serverPkg, "temporal-server", &server}, {sqlToolPkg, "temporal-sql-tool", &sqlTool}} {
		cached, err := run("tool", "-n", b.pkg)
		if err != nil {
			return "", "", "", err
		}
		*b.path = filepath.Join(dir, b.name)
		if err := linkOrCopy(cached, *b.path); err != nil {
			return "", "", "", err
		}
	}
	moduleDir, err := run("list", "-m", "-f", "{{.Dir}}", "go.temporal.io/server")
	if err != nil {
		return "", "", "", err
	}
	schemaDir = filepath.Join(moduleDir, "schema", "postgresql", "v12")
	if _, err := os.Stat(schemaDir); err != nil {
		return "", "", "", fmt.Errorf("the server module has no PostgreSQL schema: %w", err)
	}
	return server, sqlTool, schemaDir, nil
}

// linkOrCopy puts the file at src at dst, by a hard link where it can.
func linkOrCopy(src, dst string) error {
	if os.Link(src, dst) == nil {
		return nil
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// cannotTest skips t with why, or fails it when the environment variable
// CI is true (as pgtest does for an unreachable PostgreSQL).
func cannotTest(t *testing.T, why string) {
	t.Helper()
	if ci, _ := strconv.ParseBool(os.Getenv("CI")); ci {
		t.Fatal(why + " (CI is true, so this fails instead of skipping.)")
	}
	t.Skip(why)
}

// temporalCluster is a running cluster.
type temporalCluster struct {
	t          *testing.T
	server     string // the server binary
	configFile string
	// Frontend is the frontend's gRPC address, for clients.
	Frontend string
	services map[string]*process
}

// clusterServices are the services, each run as a process of its own.
var clusterServices = []string{"frontend", "history", "matching", "worker"}

// startTemporalCluster sets up the schema in two fresh databases, writes
// the cluster's configuration and starts its four services, the frontend
// first (see below). The services join each other through the membership
// records they keep in the database, then gossip over their membership
// ports; each advertises 127.0.0.1. Wait for it with RegisterNamespace and
// WaitShards.
func startTemporalCluster(t *testing.T) *temporalCluster {
	t.Helper()
	server, sqlTool, schemaDir := temporalServerBinaries(t)
	store, visibility := pgtest.Database(t), pgtest.Database(t)
	setUpSchema(t, sqlTool, store, filepath.Join(schemaDir, "temporal", "versioned"))
	setUpSchema(t, sqlTool, visibility, filepath.Join(schemaDir, "visibility", "versioned"))

	dir := t.TempDir()
	cfg := clusterConfig{
		Store:          sqlDataStore(t, store),
		Visibility:     sqlDataStore(t, visibility),
		Shards:         clusterShards,
		DynamicConfig:  filepath.Join(dir, "dynamicconfig.yaml"),
		FrontendGRPC:   freeAddr(t),
		FrontendHTTP:   freeAddr(t),
		FrontendMember: freeAddr(t),
		HistoryGRPC:    freeAddr(t),
		HistoryMember:  freeAddr(t),
		MatchingGRPC:   freeAddr(t),
		MatchingMember: freeAddr(t),
		WorkerGRPC:     freeAddr(t),
		WorkerMember:   freeAddr(t),
	}
	c := &temporalCluster{t: t, server: server, configFile: filepath.Join(dir, "config.yaml"),
		Frontend: cfg.FrontendGRPC, services: map[string]*process{}}
	writeTemplate(t, c.configFile, clusterConfigYAML, cfg)
	writeTemplate(t, cfg.DynamicConfig, dynamicConfigYAML, nil)
	// Every service, as it starts, reads the cluster's metadata record and
	// writes it when there is none, on the condition that there still is
	// none. Two that find none at the same time both write: the one that
	// loses fails ("Failed to apply cluster metadata.") and exits, which
	// the four did now and then when started at once on a busy machine.
	// So the frontend starts first, alone, and the others once the record
	// is there (a deployment meets this once, at its very first start).
	c.start("frontend", "temporal frontend")
	waitClusterMetadata(t, c.services["frontend"], store)
	for _, svc := range clusterServices {
		if svc != "frontend" {
			c.start(svc, "temporal "+svc)
		}
	}
	return c
}

// waitClusterMetadata waits until the cluster's metadata record is in the
// store at dbURL, written by p.
func waitClusterMetadata(t *testing.T, p *process, dbURL string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	waitFor(t, p, "the cluster metadata record", 2*time.Minute, func() bool {
		var n int
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM cluster_metadata_info").Scan(&n); err != nil {
			t.Fatalf("read the cluster metadata: %v", err)
		}
		return n > 0
	})
}

// start runs one service.
func (c *temporalCluster) start(service, name string) {
	c.t.Helper()
	// The server checks for new versions over the internet unless told
	// not to; dynamic config says so too, but only once it is read.
	env := []string{"TEMPORAL_VERSION_CHECK_DISABLED=1"}
	c.services[service] = startProgram(c.t, name, c.server, env,
		"--config-file", c.configFile, "--allow-no-auth", "start", "--service", service)
}

// Service returns the process that runs service now.
func (c *temporalCluster) Service(service string) *process { return c.services[service] }

// Restart starts service again after its process has ended.
func (c *temporalCluster) Restart(service string) *process {
	c.t.Helper()
	c.start(service, "temporal "+service+" (restarted)")
	return c.services[service]
}

// setUpSchema creates the schema's tables in the database at dbURL with
// the server's SQL tool, from version 0 to the latest in dir.
func setUpSchema(t *testing.T, sqlTool, dbURL, dir string) {
	t.Helper()
	pg, err := pgx.ParseConfig(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	// The connection goes in the environment, which keeps the password
	// out of the process list.
	env := append(os.Environ(), "SQL_PLUGIN=postgres12", "SQL_HOST="+pg.Host, "SQL_PORT="+strconv.Itoa(int(pg.Port)),
		"SQL_USER="+pg.User, "SQL_PASSWORD="+pg.Password, "SQL_DATABASE="+pg.Database)
	for _, args := range [][]string{{"setup-schema", "-v", "0.0"}, {"update-schema", "-d", dir}} {
		cmd := exec.Command(sqlTool, args...)
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("temporal-sql-tool %s on database %s: %v\n%s", strings.Join(args, " "), pg.Database, err, out)
		}
	}
}

// sqlStore is one datastore of the server's configuration.
type sqlStore struct {
	Addr, Database, User, Password string
}

func sqlDataStore(t *testing.T, dbURL string) sqlStore {
	t.Helper()
	pg, err := pgx.ParseConfig(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	return sqlStore{Addr: fmt.Sprintf("%s:%d", pg.Host, pg.Port), Database: pg.Database, User: pg.User, Password: pg.Password}
}

// clusterConfig fills clusterConfigYAML. Every address is host:port on
// 127.0.0.1.
type clusterConfig struct {
	Store, Visibility            sqlStore
	Shards                       int
	DynamicConfig                string
	FrontendGRPC, FrontendHTTP   string
	FrontendMember               string
	HistoryGRPC, HistoryMember   string
	MatchingGRPC, MatchingMember string
	WorkerGRPC, WorkerMember     string
}

// clusterConfigYAML is the server's static configuration, the one file
// that all four processes read. Archival is off; so are metrics and pprof
// (no listeners beyond the ones below). Each process has pools of its own,
// so the cluster may hold 4 × (8 + 4) = 48 PostgreSQL connections: enough
// for 4 shards, and well below the server's max_connections of 100, which
// the other packages' tests share while go test runs them alongside.
const clusterConfigYAML = `log:
  stdout: true
  level: info
persistence:
  numHistoryShards: {{.Shards}}
  defaultStore: default
  visibilityStore: visibility
  datastores:
    default:
      sql: {{template "sql" .Store}}
        maxConns: 8
        maxIdleConns: 8
    visibility:
      sql: {{template "sql" .Visibility}}
        maxConns: 4
        maxIdleConns: 4
global:
  membership:
    maxJoinDuration: 30s
    # The address the services give each other; they bind 127.0.0.1 too.
    broadcastAddress: 127.0.0.1
services:
  frontend:
    rpc: {bindOnIP: 127.0.0.1, grpcPort: {{port .FrontendGRPC}}, httpPort: {{port .FrontendHTTP}}, membershipPort: {{port .FrontendMember}}}
  history:
    rpc: {bindOnIP: 127.0.0.1, grpcPort: {{port .HistoryGRPC}}, membershipPort: {{port .HistoryMember}}}
  matching:
    rpc: {bindOnIP: 127.0.0.1, grpcPort: {{port .MatchingGRPC}}, membershipPort: {{port .MatchingMember}}}
  worker:
    rpc: {bindOnIP: 127.0.0.1, grpcPort: {{port .WorkerGRPC}}, membershipPort: {{port .WorkerMember}}}
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: active
  currentClusterName: active
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: frontend
      rpcAddress: {{q .FrontendGRPC}}
      httpAddress: {{q .FrontendHTTP}}
dcRedirectionPolicy:
  policy: noop
archival:
  history: {state: disabled}
  visibility: {state: disabled}
namespaceDefaults:
  archival:
    history: {state: disabled}
    visibility: {state: disabled}
# How the worker service's system workflows reach the frontend.
publicClient:
  hostPort: {{q .FrontendGRPC}}
dynamicConfigClient:
  filepath: {{q .DynamicConfig}}
  pollInterval: 10s
{{define "sql"}}
        pluginName: postgres12
        connectProtocol: tcp
        connectAddr: {{q .Addr}}
        databaseName: {{q .Database}}
        user: {{q .User}}
        password: {{q .Password}}
        maxConnLifetime: 1h{{end}}`

// dynamicConfigYAML holds only what differs from v1.32.0's defaults.
// Everything coffeeshop needs is on by default there: Updates
// (frontend.enableUpdateWorkflowExecution and its async-accepted stage)
// and Update-with-Start (ExecuteMultiOperation has no switch any more).
const dynamicConfigYAML = `# No calls to the internet.
frontend.enableServerVersionCheck:
  - value: false
`

// writeTemplate executes text with data into the file at path. q quotes a
// string for YAML (a JSON string is one); port is the port of host:port.
func writeTemplate(t *testing.T, path, text string, data any) {
	t.Helper()
	tmpl := template.Must(template.New(filepath.Base(path)).Option("missingkey=error").Funcs(template.FuncMap{
		"q": func(s string) (string, error) {
			b, err := json.Marshal(s)
			return string(b), err
		},
		"port": func(addr string) (string, error) {
			_, port, ok := strings.Cut(addr, ":")
			if !ok {
				return "", fmt.Errorf("address %q has no port", addr)
			}
			return port, nil
		},
	}).Parse(text))
	var b strings.Builder
	if err := tmpl.Execute(&b, data); err != nil {
		t.Fatalf("configuration %s: %v", path, err)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
}

// quietLogger drops the SDK's log lines: the test reports what matters.
var quietLogger = sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))

// RegisterNamespace registers namespace with retention, retrying while
// the cluster is still coming up. A namespace that exists already (a
// retry of a call that went through) is fine.
func (c *temporalCluster) RegisterNamespace(namespace string, retention time.Duration) {
	c.t.Helper()
	nc, err := client.NewNamespaceClient(client.Options{HostPort: c.Frontend, Logger: quietLogger})
	if err != nil {
		c.t.Fatal(err)
	}
	defer nc.Close()
	c.retry("namespace "+namespace+" registered", func(ctx context.Context) error {
		err := nc.Register(ctx, &workflowservice.RegisterNamespaceRequest{
			Namespace:                        namespace,
			WorkflowExecutionRetentionPeriod: durationpb.New(retention),
		})
		var exists *serviceerror.NamespaceAlreadyExists
		if errors.As(err, &exists) {
			return nil
		}
		return err
	})
}

// WaitShards waits until every history shard answers for namespace: a
// question about a workflow that does not exist, asked once for each
// shard (the workflow IDs are chosen by the server's own mapping of IDs
// to shards), gets NotFound from the shard itself. The frontend answers
// Unavailable, or waits, for a shard that no history host owns yet.
func (c *temporalCluster) WaitShards(namespace string) {
	c.t.Helper()
	cl, err := client.NewLazyClient(client.Options{HostPort: c.Frontend, Namespace: namespace, Logger: quietLogger})
	if err != nil {
		c.t.Fatal(err)
	}
	defer cl.Close()
	var nsID string
	c.retry("namespace "+namespace+" described", func(ctx context.Context) error {
		resp, err := cl.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: namespace})
		nsID = resp.GetNamespaceInfo().GetId()
		return err
	})
	probes := map[int32]string{}
	for len(probes) < clusterShards {
		id := "readiness-probe-" + uuid.NewString()
		probes[common.WorkflowIDToHistoryShard(nsID, id, clusterShards)] = id
	}
	for shard := int32(1); shard <= clusterShards; shard++ {
		c.retry(fmt.Sprintf("history shard %d answering", shard), func(ctx context.Context) error {
			_, err := cl.WorkflowService().DescribeWorkflowExecution(ctx, &workflowservice.DescribeWorkflowExecutionRequest{
				Namespace: namespace, Execution: &commonpb.WorkflowExecution{WorkflowId: probes[shard]},
			})
			var notFound *serviceerror.NotFound
			if errors.As(err, &notFound) {
				return nil
			}
			if err == nil {
				return errors.New("found a workflow that was never started")
			}
			return err
		})
	}
}

// retry calls try until it succeeds, each call bounded to 5 s, failing the
// test after two minutes or when a service has exited. The failure for an
// exited service starts with that service's exit status and the end of its
// output: the frontend's last error ("Not enough hosts...") does not say
// why the service ended.
func (c *temporalCluster) retry(what string, try func(ctx context.Context) error) {
	c.t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := try(ctx)
		cancel()
		if err == nil {
			return
		}
		for _, svc := range clusterServices {
			p := c.services[svc]
			select {
			case <-p.done:
				c.t.Fatalf("%s\n(the last error while waiting: %v)", p.exitedWhile(what), err)
			default:
			}
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("no %s after 2 minutes: %v", what, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
