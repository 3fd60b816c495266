package fuzz

import (
	"os"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

func TestMain(m *testing.M) { os.Exit(harness.Main(m)) }
