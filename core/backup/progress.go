package backup

import "sync"

// Progress is what a running backup or restore has done so far; it is safe
// to read while the work goes on.
type Progress struct {
	mu sync.Mutex
	v  ProgressView
}

// ProgressView is a copy of Progress at one moment.
type ProgressView struct {
	// Phase is metadata, blobs, done (or failed).
	Phase        string `json:"phase"`
	Tables       int    `json:"tables"`
	TablesDone   int    `json:"tables_done"`
	Rows         int64  `json:"rows"`
	BlobsTotal   int64  `json:"blobs_total"`
	BlobsDone    int64  `json:"blobs_done"`
	BlobsCopied  int64  `json:"blobs_copied"`
	BlobsSkipped int64  `json:"blobs_skipped"`
	BytesTotal   int64  `json:"bytes_total"`
	BytesDone    int64  `json:"bytes_done"`
	BytesCopied  int64  `json:"bytes_copied"`
}

// View returns a copy (zero for a nil Progress).
func (p *Progress) View() ProgressView {
	if p == nil {
		return ProgressView{}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.v
}

func (p *Progress) update(fn func(v *ProgressView)) {
	if p == nil {
		return
	}
	p.mu.Lock()
	fn(&p.v)
	p.mu.Unlock()
}
