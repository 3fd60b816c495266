package http_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/gin-gonic/gin"

	httpapi "github.com/keeper-registry/keeper/adapters/http"
	"github.com/keeper-registry/keeper/ports"
)

// TestStorageFullIs507: a store's ErrStorageFull, and a bare ENOSPC or
// EDQUOT from a spool file of the request, answer 507 with Retry-After and
// a message that names no path or room.
func TestStorageFullIs507(t *testing.T) {
	gin.SetMode(gin.TestMode)
	for name, err := range map[string]error{
		"sentinel": fmt.Errorf("fsblob: put: write /var/lib/keeper/tmp/x: no space left on device (%w)", ports.ErrStorageFull),
		"enospc":   fmt.Errorf("spool: %w", &os.PathError{Op: "write", Path: "/var/lib/keeper/spool/x", Err: syscall.ENOSPC}),
		"edquot":   fmt.Errorf("spool: %w", &os.PathError{Op: "write", Path: "/var/lib/keeper/spool/x", Err: syscall.EDQUOT}),
	} {
		t.Run(name, func(t *testing.T) {
			w := httptest.NewRecorder()
			c, _ := gin.CreateTestContext(w)
			c.Request = httptest.NewRequest(http.MethodPut, "/api/v1/x", nil)
			httpapi.WriteError(c, err)
			var body struct {
				Error struct{ Code, Message string }
			}
			if w.Code != http.StatusInsufficientStorage || w.Header().Get("Retry-After") == "" ||
				json.Unmarshal(w.Body.Bytes(), &body) != nil || body.Error.Code != "storage_full" ||
				strings.Contains(body.Error.Message, "/var/lib") || strings.Contains(body.Error.Message, "fsblob") {
				t.Fatalf("status %d, Retry-After %q, body %s", w.Code, w.Header().Get("Retry-After"), w.Body)
			}
		})
	}
}
