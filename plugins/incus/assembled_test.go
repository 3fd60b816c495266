package incus_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/plugins/incus"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// image is one publish of the byte-for-byte tests.
type testImage struct {
	os, release, arch, variant, serial, desc string
	root                                     []byte // nil: a unified tarball
}

func (i testImage) yaml() string {
	return "architecture: " + i.arch + "\ncreation_date: 1765000000\nproperties:\n  description: \"" + i.desc + "\"\n" +
		"  os: " + i.os + "\n  release: \"" + i.release + "\"\n  variant: " + i.variant + "\n  serial: \"" + i.serial + "\"\n"
}

func (e *env) publishImage(i testImage) {
	e.t.Helper()
	files := map[string]string{"metadata.yaml": i.yaml()}
	if i.root == nil {
		files["rootfs/bin/sh"] = "#!"
	}
	e.want(e.publish("alice", tgz(files), i.root), 201, "fingerprint")
}

// sameImages renders images.json both ways and fails unless the assembled
// document is byte-identical to the render's (headers and cache time
// included) or was declined; it reports whether it was assembled.
func sameImages(t *testing.T, h sdk.Host) bool {
	t.Helper()
	want, err := incus.RenderImages(h)
	if err != nil {
		t.Fatal(err)
	}
	got := incus.AssembledImages(h)
	if got == nil {
		return false
	}
	if got.Kind != sdk.BodyBytes || got.Status != want.Status || got.CacheTTLMs != want.CacheTTLMs ||
		fmt.Sprint(got.Headers) != fmt.Sprint(want.Headers) {
		t.Fatalf("assembled %d %v ttl %d, rendered %d %v ttl %d", got.Status, got.Headers, got.CacheTTLMs, want.Status, want.Headers, want.CacheTTLMs)
	}
	if !bytes.Equal(got.Bytes, want.Bytes) {
		t.Fatalf("assembled\n%s\nrendered\n%s", got.Bytes, want.Bytes)
	}
	return true
}

var (
	qcow2  = append([]byte("QFI\xfb"), bytes.Repeat([]byte("q"), 64)...)
	rootXz = append([]byte("\xfd7zXZ\x00"), bytes.Repeat([]byte("x"), 64)...)
)

// TestAssembledImagesMatchesRender: images.json assembled by the host is
// the render's bytes for one image, for many (split with each rootfs kind,
// unified, serials published out of order, names whose byte order differs
// from their paths' order), and the render answers for rows stored before
// the file member, a version without its file and a version the render
// skips.
func TestAssembledImagesMatchesRender(t *testing.T) {
	e := newEnv(t)
	if sameImages(t, e.h) {
		t.Fatal("an empty repository was assembled")
	}
	e.publishImage(testImage{"alpine", "3.20", "x86_64", "default", "20251201_0000", `a <b> & "c" é`, squashfs("a")})
	if !sameImages(t, e.h) {
		t.Fatal("one image was not assembled")
	}
	for _, i := range []testImage{
		{"alpine", "3.20", "x86_64", "default", "20251203_0000", "", squashfs("b")},
		{"alpine", "3.20", "x86_64", "default", "20251202_0000:1.b-c", "", qcow2},
		{"alpine", "3.20", "aarch64", "cloud", "20251201", "", rootXz},
		{"alpine0", "3", "armv7l", "default", "20251201", "", nil},
		{"alpine-x", "3", "ppc64le", "Default", "20251201", "", squashfs("c")},
		{"alpine.x", "3", "s390x", "default", "20251201", "", nil},
		{"Alpine", "3", "riscv64", "default", "20251201", "", squashfs("d")},
		{"alpine", "3.2", "i686", "x_y", "20251201", "", squashfs("e")},
		{"alpine", "3.20", "x86_64", "cloud", "20251201", "", qcow2},
	} {
		e.publishImage(i)
	}
	if !sameImages(t, e.h) {
		t.Fatal("many images were not assembled")
	}

	// A metadata tarball stored before the member: the listing is irregular.
	p := "images/alpine/3.20/amd64/default/20251201_0000/incus.tar.gz"
	if _, ok := e.h.Files[p]; !ok {
		t.Fatalf("no file %s", p)
	}
	f := e.h.Files[p]
	f.Metadata = nil
	e.h.Files[p] = f
	if sameImages(t, e.h) {
		t.Fatal("a file stored before the member was assembled")
	}
	// The same serial without its file (the render still lists it).
	delete(e.h.Files, p)
	if sameImages(t, e.h) {
		t.Fatal("a version without its file was assembled")
	}
	delete(e.h.Versions, "alpine:3.20:amd64:default\x0020251201_0000")
	if !sameImages(t, e.h) {
		t.Fatal("not assembled after the serial went")
	}
	// A version the render skips (no items), and a product of such versions only.
	for _, k := range []string{"alpine:3.20:amd64:default\x0020251209", "zeta:1:amd64:default\x0020251201"} {
		pkg, v, _ := strings.Cut(k, "\x00")
		e.h.Versions[k] = sdk.VersionInfo{Package: pkg, Version: v, Metadata: []byte(`{"os":"alpine"}`)}
		if sameImages(t, e.h) {
			t.Fatalf("assembled beside version %q without items", k)
		}
		delete(e.h.Versions, k)
	}
	if !sameImages(t, e.h) {
		t.Fatal("not assembled at the end")
	}
}

// TestAssembledImagesGenerated publishes random products and serials in a
// random order, 30 rounds, and compares the two ways each time.
func TestAssembledImagesGenerated(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 13))
	name := func(alphabet string) string {
		b := []byte{alphabet[rng.IntN(26)]}
		for n := rng.IntN(5); n > 0; n-- {
			b = append(b, alphabet[rng.IntN(len(alphabet))])
		}
		return string(b)
	}
	const letters = "abcdefghijklmnopqrstuvwxyzABC0129._-"
	arches := []string{"x86_64", "s390x", "aarch64", "armv7l", "i686", "ppc64le", "riscv64"}
	roots := [][]byte{squashfs("r"), qcow2, rootXz, nil}
	for round := range 30 {
		e := newEnv(t)
		var os []string
		for range 1 + rng.IntN(4) {
			os = append(os, name(letters))
		}
		seen := map[string]bool{}
		for range 1 + rng.IntN(25) {
			i := testImage{os: os[rng.IntN(len(os))], release: name(letters), arch: arches[rng.IntN(len(arches))],
				variant: []string{"default", "cloud", name(letters)}[rng.IntN(3)],
				serial:  fmt.Sprintf("2025%02d%02d", 1+rng.IntN(12), 1+rng.IntN(28)) + []string{"", "_0000", ":1", ".2-b"}[rng.IntN(4)],
				root:    roots[rng.IntN(len(roots))]}
			if rng.IntN(3) == 0 { // serials of one product
				i.release = "1"
			}
			k := i.os + "/" + i.release + "/" + i.arch + "/" + i.variant + "/" + i.serial
			if seen[k] {
				continue
			}
			seen[k] = true
			e.publishImage(i)
		}
		if !sameImages(t, e.h) {
			t.Fatalf("round %d was not assembled", round)
		}
	}
}

// TestAssembledImagesManyProducts: more products than one template's
// loops count (the counts take three calls), and a serial of a late
// product without its file still sends images.json to the render.
func TestAssembledImagesManyProducts(t *testing.T) {
	e := newEnv(t)
	for p := range 130 {
		e.publishImage(testImage{fmt.Sprintf("os%03d", p), "1", "x86_64", "default", "20251201", "", squashfs("s")})
	}
	if !sameImages(t, e.h) {
		t.Fatal("130 products were not assembled")
	}
	e.publishImage(testImage{"os128", "1", "x86_64", "default", "20251202", "", squashfs("s")})
	if !sameImages(t, e.h) {
		t.Fatal("not assembled after a second serial")
	}
	delete(e.h.Files, "images/os128/1/amd64/default/20251201/incus.tar.gz")
	if sameImages(t, e.h) {
		t.Fatal("a serial without its file was assembled")
	}
}
