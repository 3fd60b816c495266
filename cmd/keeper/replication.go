package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.uber.org/fx"

	"github.com/keeper-registry/keeper/adapters/bunstore"
	"github.com/keeper-registry/keeper/adapters/egress"
	"github.com/keeper-registry/keeper/adapters/fsblob"
	httpapi "github.com/keeper-registry/keeper/adapters/http"
	"github.com/keeper-registry/keeper/adapters/peer"
	"github.com/keeper-registry/keeper/adapters/secretkey"
	"github.com/keeper-registry/keeper/core/config"
	"github.com/keeper-registry/keeper/core/dispatch"
	"github.com/keeper-registry/keeper/core/jobs"
	"github.com/keeper-registry/keeper/core/replication"
	"github.com/keeper-registry/keeper/ports"
)

// replicationFollowFor is how long one run of the dispatch job follows the
// change log before it hands the lease back (another replica may take it).
const replicationFollowFor = 30 * time.Second

// replicationModule wires replication: the peer and policy API, the
// receiving API, the leased jobs (dispatch of committed changes into
// tasks, heartbeat of peers) and, on every replica, the sender, which
// leases tasks one by one so no two replicas send the same one.
func replicationModule() fx.Option {
	return fx.Options(
		fx.Provide(newReplication),
		fx.Provide(httpapi.AsRoutes(httpapi.PeerRoutes)),
		fx.Provide(newEdge),
		fx.Provide(httpapi.AsRoutes(httpapi.EdgeRoutes)),
		fx.Provide(httpapi.AsRoutes(func(svc *replication.Service, cfg config.Config) []httpapi.Route {
			return httpapi.ReplicationRoutes(svc, cfg.Limits.MaxUploadBytes)
		})),
		// Reads of repositories an on-demand pull policy selects pull them first.
		fx.Invoke(func(d *dispatch.Dispatcher, svc *replication.Service) { d.UseFirstReadPulls(svc) }),
		fx.Invoke(func(lc fx.Lifecycle, cfg config.Config, sched *jobs.Scheduler, svc *replication.Service) {
			rc := cfg.Replication
			sched.Add(jobs.Job{Name: "replication.dispatch", Every: time.Second, Timeout: replicationFollowFor,
				Run: func(ctx context.Context) error { return svc.Follow(ctx, rc.Poll) }})
			sched.Add(jobs.Job{Name: "replication.pull", Every: time.Second, Timeout: replicationFollowFor,
				Run: func(ctx context.Context) error { return svc.FollowPulls(ctx, max(rc.Poll, 100*time.Millisecond)) }})
			sched.Add(jobs.Job{Name: "replication.heartbeat", Every: rc.HeartbeatEvery, Timeout: max(rc.HeartbeatEvery, time.Minute),
				Run: svc.Heartbeat})
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			lc.Append(fx.Hook{
				OnStart: func(context.Context) error {
					go func() { defer close(done); svc.Run(ctx, rc.Poll) }()
					return nil
				},
				OnStop: func(stop context.Context) error {
					cancel()
					select {
					case <-done:
					case <-stop.Done():
					}
					return nil
				},
			})
		}),
	)
}

func newReplication(cfg config.Config, s *bunstore.Store, repos ports.RepositoryStore, files ports.FileStore,
	blobs ports.BlobStore, c ports.Clock) (*replication.Service, error) {
	box, err := secretkey.Load(cfg.Secrets.Key, cfg.SecretKeyFile(), cfg.Secrets.PreviousKeys)
	if err != nil {
		return nil, err
	}
	out := egress.Policy{AllowPrivateNetworks: cfg.Egress.AllowPrivateNetworks, AllowedHosts: cfg.Egress.AllowedHosts}
	client := peer.New(out.Client(peer.DefaultTimeout), "keeper/"+versionString())
	rc := cfg.Replication
	return replication.New(replication.Deps{Peers: s, Policies: s, Queue: s, Repos: repos, Files: files, Blobs: blobs,
		Uploads: s, Settings: s, Client: client, Chunks: client, Feed: s, Backfills: s, Source: client, Props: s, Sealer: box, Clock: c,
		Log: slog.Default().With("room", "replication")},
		replication.Options{Name: rc.Name, OfflineAfter: rc.OfflineAfter, ChunkBytes: rc.ChunkBytes,
			RetryBase: rc.RetryBase, RetryMax: rc.RetryMax, Workers: rc.Workers, Holder: replicaName(),
			PullEvery: rc.PullEvery, MaxBlobBytes: cfg.Limits.MaxUploadBytes}), nil
}

// newEdge makes this instance an edge node when replication.edge_hub_url
// is set (nil otherwise): its cache lives in DataDir/edge-cache, emptied
// at start because the bound is kept in memory.
func newEdge(cfg config.Config) (*replication.Edge, error) {
	rc := cfg.Replication
	if rc.EdgeHubURL == "" {
		return nil, nil
	}
	dir := filepath.Join(cfg.DataDir, "edge-cache")
	if err := os.RemoveAll(dir); err != nil {
		return nil, fmt.Errorf("edge: empty the cache: %w", err)
	}
	cache, err := fsblob.New(dir)
	if err != nil {
		return nil, fmt.Errorf("edge: cache: %w", err)
	}
	out := egress.Policy{AllowPrivateNetworks: cfg.Egress.AllowPrivateNetworks, AllowedHosts: cfg.Egress.AllowedHosts}
	client := peer.New(out.Client(peer.DefaultTimeout), "keeper/"+versionString())
	hub := ports.PeerConn{EndpointURL: strings.TrimRight(rc.EdgeHubURL, "/"), APIKey: rc.EdgeAPIKey}
	e := replication.NewEdge(hub, client, cache, rc.EdgeCapacityBytes, slog.Default().With("room", "edge"))
	e.SetTTL(rc.EdgeTTL)
	for _, s := range rc.EdgeSources {
		e.AddSources(strings.TrimRight(s, "/"))
	}
	return e, nil
}
