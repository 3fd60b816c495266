package fsblob_test

import (
	"testing"

	"github.com/keeper-registry/keeper/adapters/fsblob"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

func TestBackupTargetConformance(t *testing.T) {
	porttest.BackupTarget(t, func(t *testing.T) ports.BackupTarget {
		b, err := fsblob.NewBackupTarget(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return b
	})
}
