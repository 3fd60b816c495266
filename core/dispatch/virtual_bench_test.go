package dispatch_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/keeper-registry/keeper/ports"
)

// BenchmarkVirtualResolve serves a stored file through a virtual repository
// of 1, 5 and 20 local members, held by the first or by the last member,
// beside the same file read from its local repository directly (issue 10's
// figure: virtual resolution cost per member).
func BenchmarkVirtualResolve(b *testing.B) {
	for _, n := range []int{1, 5, 20} {
		for _, where := range []string{"first", "last"} {
			b.Run(fmt.Sprintf("members=%d/hit=%s", n, where), func(b *testing.B) {
				e := newEnv(b)
				v := ports.Repository{Key: "virt", Format: "demo", Type: ports.RepoVirtual, IsPublic: true}
				for i := range n {
					key := fmt.Sprintf("m%d", i)
					r := ports.Repository{Key: key, Format: "demo", Type: ports.RepoLocal, IsPublic: true}
					if err := e.repos.CreateRepository(context.Background(), &r); err != nil {
						b.Fatal(err)
					}
					v.Members = append(v.Members, ports.Member{RepoKey: key, Priority: i})
				}
				if err := e.repos.CreateRepository(context.Background(), &v); err != nil {
					b.Fatal(err)
				}
				e.d.UseVirtual(mergingFormats{})
				holder := "m0"
				if where == "last" {
					holder = fmt.Sprintf("m%d", n-1)
				}
				put(b, e, "/demo/"+holder+"/f.txt", "payload")
				for _, target := range []string{"/demo/virt/f.txt", "/demo/" + holder + "/f.txt"} {
					name := "virtual"
					if target != "/demo/virt/f.txt" {
						name = "direct"
					}
					b.Run(name, func(b *testing.B) {
						for b.Loop() {
							if rec := e.do(nil, http.MethodGet, target, nil); rec.Code != 200 {
								b.Fatalf("GET %s: %d", target, rec.Code)
							}
						}
					})
				}
			})
		}
	}
}
