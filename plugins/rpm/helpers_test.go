package rpm

import (
	"crypto/sha256"
	"encoding/hex"
	"os/exec"
)

var (
	execLookPath = exec.LookPath
	execCommand  = exec.Command
)

func sha(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }
