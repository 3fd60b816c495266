package replication

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

// Sealer seals peer API keys at rest (core/secret.Box).
type Sealer interface {
	Seal(plain []byte, context string) (string, error)
	Open(sealed, context string) (plain []byte, current bool, err error)
}

// Deps are the ports the service works through.
type Deps struct {
	Peers    ports.PeerStore
	Policies ports.SyncPolicyStore
	Queue    ports.ReplicationQueue
	Repos    ports.RepositoryStore
	Files    ports.FileStore
	Blobs    ports.BlobStore
	Uploads  ports.UploadStore
	Settings ports.SettingStore
	Client   ports.PeerClient
	Chunks   ports.PeerUploads
	Feed     ports.ReplicationFeed
	// Backfills keep the state sent to new peers resumable (nil: none).
	Backfills ports.ReplicationBackfills
	Source    ports.PeerSource
	// Props are repositories' properties, which label selectors match (nil: no labels).
	Props  ports.PropertyStore
	Sealer Sealer
	Clock  ports.Clock
	Log    *slog.Logger
}

// Options tune replication; zero values take the defaults.
type Options struct {
	// Name is this instance's name in its identity (default "keeper").
	Name string
	// OfflineAfter is the silence after which a peer counts as offline (default 30 s).
	OfflineAfter time.Duration
	// ChunkBytes is the chunk size of resumable transfers; larger blobs go
	// in chunks, smaller ones whole (default 8 MiB).
	ChunkBytes int64
	// RetryBase and RetryMax bound the backoff of a failed task (default 1 s, 1 min).
	RetryBase time.Duration
	RetryMax  time.Duration
	// Workers is how many tasks one replica sends at once (default 4).
	Workers int
	// Holder names this replica in task leases.
	Holder string
	// PullEvery is how often an immediate pull or mirror policy reads its
	// peers' change feeds (default 10 s).
	PullEvery time.Duration
	// MaxBlobBytes bounds a blob pulled from a peer (default 1 GiB).
	MaxBlobBytes int64
}

// Service manages peers and sync policies and runs replication.
type Service struct {
	d    Deps
	opts Options

	stats statsBook
	pulls pullBook
	first firstReads
}

// New returns a Service.
func New(d Deps, o Options) *Service {
	if o.Name == "" {
		o.Name = "keeper"
	}
	if o.OfflineAfter <= 0 {
		o.OfflineAfter = 30 * time.Second
	}
	if o.ChunkBytes <= 0 {
		o.ChunkBytes = 8 << 20
	}
	if o.RetryBase <= 0 {
		o.RetryBase = time.Second
	}
	if o.RetryMax <= 0 {
		o.RetryMax = time.Minute
	}
	if o.Workers <= 0 {
		o.Workers = 4
	}
	if o.PullEvery <= 0 {
		o.PullEvery = 10 * time.Second
	}
	if o.MaxBlobBytes <= 0 {
		o.MaxBlobBytes = 1 << 30
	}
	if o.Holder == "" {
		o.Holder = "replica-" + randomHex(6)
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	return &Service{d: d, opts: o, stats: statsBook{peers: map[int64]*PeerStats{}}}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

const instanceIDSetting = "replication.instance_id"

// Identity is who this instance is: its stable, random instance ID
// (shared by every replica of one database) and its configured name.
func (s *Service) Identity(ctx context.Context) (ports.InstanceIdentity, error) {
	v, err := s.d.Settings.GetOrCreateSetting(ctx, instanceIDSetting, []byte(randomHex(16)))
	if err != nil {
		return ports.InstanceIdentity{}, fmt.Errorf("replication: instance id: %w", err)
	}
	return ports.InstanceIdentity{InstanceID: string(v), Name: s.opts.Name}, nil
}

// Announced records an instance that announced itself and answers with this one's identity.
func (s *Service) Announced(ctx context.Context, from ports.InstanceIdentity) (ports.InstanceIdentity, error) {
	if len(from.InstanceID) == 0 || len(from.InstanceID) > 64 || len(from.Name) > 200 {
		return ports.InstanceIdentity{}, ports.Invalidf("instance_id", "must be 1 to 64 characters (name at most 200)")
	}
	if err := s.d.Peers.InstanceSeen(ctx, from.InstanceID, from.Name, s.d.Clock.Now()); err != nil {
		return ports.InstanceIdentity{}, fmt.Errorf("replication: announce: %w", err)
	}
	return s.Identity(ctx)
}

// Instances lists the instances that announced themselves to this one.
func (s *Service) Instances(ctx context.Context) ([]ports.AnnouncedInstance, error) {
	ins, err := s.d.Peers.Instances(ctx)
	if err != nil {
		return nil, fmt.Errorf("replication: instances: %w", err)
	}
	return ins, nil
}

// PeerSpec is a peer as an administrator creates it.
type PeerSpec struct {
	Name              string
	EndpointURL       string
	APIKey            string
	MaxBytesPerSecond int64
	Labels            map[string]string
}

// PeerView is a peer with its state, never its key.
type PeerView struct {
	ports.Peer
	Online bool
}

func (s *Service) view(p ports.Peer) PeerView {
	p.SealedAPIKey = ""
	online := !p.LastSeen.IsZero() && s.d.Clock.Now().Sub(p.LastSeen) <= s.opts.OfflineAfter
	return PeerView{Peer: p, Online: online}
}

func checkPeerSpec(sp PeerSpec) error {
	if sp.Name == "" || len(sp.Name) > 100 {
		return ports.Invalidf("name", "must be 1 to 100 characters")
	}
	u, err := url.Parse(sp.EndpointURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		u.RawQuery != "" || u.Fragment != "" || len(sp.EndpointURL) > 2000 {
		return ports.Invalidf("endpoint_url", "must be an http:// or https:// URL without credentials, query or fragment")
	}
	if sp.APIKey == "" || len(sp.APIKey) > 4096 {
		return ports.Invalidf("api_key", "must be 1 to 4096 characters")
	}
	if sp.MaxBytesPerSecond < 0 {
		return ports.Invalidf("max_bytes_per_second", "must not be negative")
	}
	return checkPeerLabels(sp.Labels)
}

// ErrPeerRefused: the peer could not be reached or refused the API key.
var ErrPeerRefused = errors.New("the peer did not accept the connection or the API key")

// CreatePeer checks that the peer answers with the key (through the
// egress guard, in the client), then stores it with the key sealed.
func (s *Service) CreatePeer(ctx context.Context, sp PeerSpec) (PeerView, error) {
	sp.EndpointURL = strings.TrimRight(sp.EndpointURL, "/")
	if err := checkPeerSpec(sp); err != nil {
		return PeerView{}, err
	}
	self, err := s.Identity(ctx)
	if err != nil {
		return PeerView{}, err
	}
	conn := ports.PeerConn{EndpointURL: sp.EndpointURL, APIKey: sp.APIKey}
	id, err := s.d.Client.Announce(ctx, conn, self)
	if err != nil {
		s.d.Log.Warn("replication: new peer did not answer", "peer", sp.Name, "err", err)
		return PeerView{}, &ports.InvalidError{Message: ErrPeerRefused.Error() + " (endpoint_url, api_key)"}
	}
	if id.InstanceID == self.InstanceID {
		return PeerView{}, ports.Invalidf("endpoint_url", "points at this instance")
	}
	sealed, err := s.d.Sealer.Seal([]byte(sp.APIKey), SealContext(sp.Name))
	if err != nil {
		return PeerView{}, fmt.Errorf("replication: seal api key: %w", err)
	}
	p := ports.Peer{Name: sp.Name, EndpointURL: sp.EndpointURL, SealedAPIKey: sealed, MaxBytesPerSecond: sp.MaxBytesPerSecond, Labels: sp.Labels}
	if err := s.d.Peers.CreatePeer(ctx, &p); err != nil {
		return PeerView{}, fmt.Errorf("replication: create peer: %w", err)
	}
	now := s.d.Clock.Now()
	if err := s.d.Peers.PeerSeen(ctx, p.ID, id.InstanceID, id.Name, now, ""); err != nil {
		return PeerView{}, err
	}
	p.InstanceID, p.RemoteName, p.LastSeen = id.InstanceID, id.Name, now
	// The new peer gets the whole state of what the policies send it, not
	// only the changes from now on.
	if policies, err := s.d.Policies.ListSyncPolicies(ctx); err != nil {
		return PeerView{}, fmt.Errorf("replication: new peer: %w", err)
	} else if _, err := s.startBackfills(ctx, policies, []ports.Peer{p}, false); err != nil {
		return PeerView{}, err
	}
	return s.view(p), nil
}

// SealContext names the sealed API key of peer peerName (the store uses it
// to re-seal the key after a rotation of the secrets key).
func SealContext(peerName string) string { return "replication.peer:" + peerName }

// Peers lists every peer.
func (s *Service) Peers(ctx context.Context) ([]PeerView, error) {
	ps, err := s.d.Peers.ListPeers(ctx)
	if err != nil {
		return nil, fmt.Errorf("replication: list peers: %w", err)
	}
	out := make([]PeerView, len(ps))
	for i, p := range ps {
		out[i] = s.view(p)
	}
	return out, nil
}

// Peer returns one peer.
func (s *Service) Peer(ctx context.Context, id int64) (PeerView, error) {
	p, err := s.d.Peers.GetPeer(ctx, id)
	if err != nil {
		return PeerView{}, fmt.Errorf("replication: peer %d: %w", id, err)
	}
	return s.view(p), nil
}

// DeletePeer removes a peer and its queued tasks.
func (s *Service) DeletePeer(ctx context.Context, id int64) error {
	if err := s.d.Peers.DeletePeer(ctx, id); err != nil {
		return fmt.Errorf("replication: delete peer %d: %w", id, err)
	}
	return nil
}

func (s *Service) conn(p ports.Peer) (ports.PeerConn, error) {
	key, _, err := s.d.Sealer.Open(p.SealedAPIKey, SealContext(p.Name))
	if err != nil {
		return ports.PeerConn{}, fmt.Errorf("replication: open api key of peer %q: %w", p.Name, err)
	}
	return ports.PeerConn{EndpointURL: p.EndpointURL, APIKey: string(key)}, nil
}

// Heartbeat announces this instance to every peer and records who answered.
func (s *Service) Heartbeat(ctx context.Context) error {
	ps, err := s.d.Peers.ListPeers(ctx)
	if err != nil {
		return fmt.Errorf("replication: heartbeat: %w", err)
	}
	self, err := s.Identity(ctx)
	if err != nil {
		return err
	}
	for _, p := range ps {
		c, err := s.conn(p)
		if err != nil {
			return err
		}
		hctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		id, err := s.d.Client.Announce(hctx, c, self)
		cancel()
		errText := ""
		if err != nil {
			errText = err.Error()
		}
		if err := s.d.Peers.PeerSeen(ctx, p.ID, id.InstanceID, id.Name, s.d.Clock.Now(), errText); err != nil && !errors.Is(err, ports.ErrNotFound) {
			return fmt.Errorf("replication: heartbeat: %w", err)
		}
	}
	return nil
}
