package devserver

import (
	"net"
	"strconv"
	"time"

	"go.temporal.io/server/common/cluster"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/dynamicconfig"
	"go.temporal.io/server/common/membership/static"
	"go.temporal.io/server/common/primitives"
)

// clusterName names the one cluster of the server. It is stored in the
// database with the namespaces and must not change between starts.
const clusterName = "active"

// ports are the five ports one server listens on, all on the frontend's IP.
type ports struct {
	frontend, frontendHTTP, history, matching, worker int
}

// pickPorts picks free ports for everything but the frontend. They are
// chosen by the OS rather than derived from the frontend port (frontend+1,
// ...), which would collide when several servers run at once.
func pickPorts(ip string, frontend int) (ports, error) {
	p := ports{frontend: frontend}
	for _, dst := range []*int{&p.frontendHTTP, &p.history, &p.matching, &p.worker} {
		port, err := internalPort(ip)
		if err != nil {
			return ports{}, err
		}
		*dst = port
	}
	return p, nil
}

// serverConfig is the static configuration of a single-node server with one
// history shard on the SQLite file at dbPath, its visibility records in the
// one at visPath.
func serverConfig(ip string, p ports, dbPath, visPath string) *config.Config {
	frontendAddr := net.JoinHostPort(ip, strconv.Itoa(p.frontend))
	httpAddr := net.JoinHostPort(ip, strconv.Itoa(p.frontendHTTP))

	var cfg config.Config
	cfg.Global.Membership.MaxJoinDuration = 30 * time.Second
	cfg.Global.Membership.BroadcastAddress = ip

	const store, visStore = "sqlite", "sqlite-visibility"
	cfg.Persistence.DefaultStore = store
	cfg.Persistence.VisibilityStore = visStore
	// One shard: there is one history host, and every shard costs a
	// goroutine set and queue readers of its own.
	cfg.Persistence.NumHistoryShards = 1
	cfg.Persistence.DataStores = map[string]config.DataStore{
		store:    {SQL: sqlConfig(dbPath)},
		visStore: {SQL: sqlConfig(visPath)},
	}

	cfg.ClusterMetadata = &cluster.Config{
		FailoverVersionIncrement: 10,
		MasterClusterName:        clusterName,
		CurrentClusterName:       clusterName,
		ClusterInformation: map[string]cluster.ClusterInformation{
			clusterName: {
				Enabled:                true,
				InitialFailoverVersion: 1,
				RPCAddress:             frontendAddr,
				HTTPAddress:            httpAddr,
				// ClusterID is left empty: the server makes one on the first
				// start and keeps it in the database.
			},
		},
	}
	cfg.DCRedirectionPolicy.Policy = "noop"

	service := func(grpcPort, httpPort int) config.Service {
		return config.Service{RPC: config.RPC{GRPCPort: grpcPort, HTTPPort: httpPort, BindOnIP: ip}}
	}
	cfg.Services = map[string]config.Service{
		string(primitives.FrontendService): service(p.frontend, p.frontendHTTP),
		string(primitives.HistoryService):  service(p.history, 0),
		string(primitives.MatchingService): service(p.matching, 0),
		string(primitives.WorkerService):   service(p.worker, 0),
	}

	cfg.Archival.History.State = "disabled"
	cfg.Archival.Visibility.State = "disabled"
	cfg.NamespaceDefaults.Archival.History.State = "disabled"
	cfg.NamespaceDefaults.Archival.Visibility.State = "disabled"
	cfg.PublicClient.HostPort = frontendAddr
	return &cfg
}

// staticHosts tells each service where the others are: one host each, so
// membership needs no gossip ring and is complete the moment it starts.
func staticHosts(ip string, p ports) map[primitives.ServiceName]static.Hosts {
	host := func(port int) static.Hosts {
		return static.SingleLocalHost(net.JoinHostPort(ip, strconv.Itoa(port)))
	}
	return map[primitives.ServiceName]static.Hosts{
		primitives.FrontendService: host(p.frontend),
		primitives.HistoryService:  host(p.history),
		primitives.MatchingService: host(p.matching),
		primitives.WorkerService:   host(p.worker),
	}
}

// dynamicConfig is the server's dynamic configuration: defaults sized for a
// cluster of many hosts, adjusted for one process on one machine.
func dynamicConfig() dynamicconfig.StaticClient {
	return dynamicconfig.StaticClient{
		// Bound the workflows kept in memory. The default (128,000) is sized
		// for a dedicated history host; a cache miss only costs a read from
		// SQLite, while a full cache costs hundreds of megabytes. 256 is
		// more than the workflows that have a task in flight at once even
		// at the ceiling's rate (docs/benchmarks.md); the long-lived
		// entries of a larger cache also pin heap pages that the Go
		// runtime could otherwise return to the system.
		dynamicconfig.HistoryCacheHostLevelMaxSize.Key(): 256,
		// The cache of events for replication to other clusters; there are
		// none (default 8 MB).
		dynamicconfig.XDCCacheMaxSizeBytes.Key(): 256 * 1024,
		// Goroutines that run the history service's internal tasks. The
		// defaults (512 each for transfer, timer and visibility tasks, 640
		// for replication) are sized for a host with a database that takes
		// hundreds of writes at once; SQLite takes one, and each idle
		// goroutine holds a stack. 16 each kept the throughput of bench
		// (docs/benchmarks.md); there is no replication.
		dynamicconfig.TransferProcessorSchedulerWorkerCount.Key():               16,
		dynamicconfig.TimerProcessorSchedulerWorkerCount.Key():                  16,
		dynamicconfig.VisibilityProcessorSchedulerWorkerCount.Key():             16,
		dynamicconfig.MemoryTimerProcessorSchedulerWorkerCount.Key():            8,
		dynamicconfig.ReplicationProcessorSchedulerWorkerCount.Key():            1,
		dynamicconfig.ReplicationLowPriorityProcessorSchedulerWorkerCount.Key(): 1,
		// The Web UI lists and counts workflows through visibility, a few
		// calls per page and refresh; the default of 10/s throttles it.
		dynamicconfig.FrontendMaxNamespaceVisibilityRPSPerInstance.Key(): 100,
		// Persistence rate limits protect a database shared by a fleet of
		// hosts. Here SQLite is the limit; a throttle on top of it only
		// adds waiting.
		dynamicconfig.FrontendPersistenceMaxQPS.Key(): 100_000,
		dynamicconfig.HistoryPersistenceMaxQPS.Key():  100_000,
		dynamicconfig.MatchingPersistenceMaxQPS.Key(): 100_000,
		// Task queue partitions spread a queue over matching hosts; with
		// one host they only add hops (a task and a poller in different
		// partitions meet by forwarding), most felt in the slowest
		// Updates (docs/benchmarks.md). A database last served with more
		// partitions, by another tool, could hold tasks in partitions this
		// server does not read; those this package creates never do.
		dynamicconfig.MatchingNumTaskqueueReadPartitions.Key():  1,
		dynamicconfig.MatchingNumTaskqueueWritePartitions.Key(): 1,
		// The workflow task timeout for workflows that set none (the SDK
		// sends none by default). It is how long a workflow waits when the
		// worker that took its task is gone: after a crash or SIGKILL of
		// the process that ran server and worker, a workflow whose task
		// was in flight is stuck for this long after the restart. The
		// server default of 10 s looks like a hang; 2 s does not. A worker
		// running a long local activity keeps its task alive by
		// heartbeats (at 80% of this), so only a worker that cannot
		// answer for 2 s in a row loses its task, which is then retried.
		dynamicconfig.DefaultWorkflowTaskTimeout.Key(): 2 * time.Second,
		// The server checks for new versions over the internet by default.
		dynamicconfig.EnableServerVersionCheck.Key(): false,
	}
}
