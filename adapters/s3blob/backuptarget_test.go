package s3blob

import (
	"testing"

	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

func TestBackupTargetConformance(t *testing.T) {
	requireS3(t)
	porttest.BackupTarget(t, func(t *testing.T) ports.BackupTarget { return &BackupTarget{store: newTestStore(t)} })
}
