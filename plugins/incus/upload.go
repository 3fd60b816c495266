package incus

import (
	"encoding/json"
	"path"
	"strconv"
	"strings"
	"time"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/multipart"
)

// Limits of an upload: the metadata tarball of a split image, a unified
// tarball (metadata.yaml and rootfs/ in one), and metadata.yaml. A
// decompression bomb is refused from the archive's listing.
const (
	maxMetaEntries     = 10_000
	maxMetaUnpacked    = 64 << 20
	maxUnifiedEntries  = 200_000
	maxUnifiedUnpacked = 8 << 30
	maxMetaYAML        = 1 << 20
)

// Kernel architecture names (metadata.yaml) and the product names the
// image servers use; both are in shared/osarch of the clients.
var archNames = map[string]string{
	"x86_64": "amd64", "amd64": "amd64", "i686": "i386", "i386": "i386", "aarch64": "arm64", "arm64": "arm64",
	"armv7l": "armhf", "armhf": "armhf", "armv6l": "armel", "armel": "armel", "ppc64le": "ppc64el", "ppc64el": "ppc64el",
	"s390x": "s390x", "riscv64": "riscv64", "loongarch64": "loongarch64", "mips64": "mips64", "ppc64": "ppc64",
}

// rootfs kinds: the stored name, the SimpleStreams ftype, and which
// combined hash of the metadata item is the image's fingerprint.
type rootKind struct{ file, ftype string }

var (
	rootSquashfs = rootKind{"rootfs.squashfs", "squashfs"}
	rootQcow2    = rootKind{"disk.qcow2", "disk-kvm.img"}
	rootTarXz    = rootKind{"root.tar.xz", "root.tar.xz"}
)

// publish takes POST images (Keeper's own route: SimpleStreams servers are
// static trees and the protocol has no upload, so this is one plain
// multipart POST per image, not a chunked protocol). "metadata" is the
// metadata tarball (tar.xz or tar.gz) and "rootfs" the container's
// squashfs, the VM's qcow2 disk or a root.tar.xz; "metadata" alone is a
// unified tarball. The product and serial come from metadata.yaml.
func publish(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	if req.User == "" {
		return nil, fail(401, "publishing needs a Keeper API token")
	}
	if req.Body == nil || req.Body.Size == 0 {
		return nil, fail(400, "empty upload: send multipart fields \"metadata\" and \"rootfs\"")
	}
	boundary, ok, err := multipart.Boundary(req.Header("Content-Type"))
	if !ok || err != nil {
		return nil, fail(400, "the upload must be multipart/form-data with a \"metadata\" file (and a \"rootfs\" file)")
	}
	form, err := multipart.Parse(h, req.Body.Digest, req.Body.Size, boundary, multipart.Options{Limits: multipart.Limits{MaxParts: 4}})
	if err != nil {
		return nil, fail(400, "malformed multipart body: "+err.Error())
	}
	metaPart, ok := form.Files["metadata"]
	if !ok || metaPart.Size == 0 {
		return nil, fail(400, "the upload has no \"metadata\" file field")
	}
	metaDigest, err := multipart.CopyPart(h, req.Body.Digest, metaPart)
	if err != nil {
		return nil, err
	}
	rootPart, split := form.Files["rootfs"]
	img, err := readImageMeta(h, metaDigest, split)
	if err != nil {
		return nil, err
	}
	dir := "images/" + img.os + "/" + img.release + "/" + img.arch + "/" + img.variant + "/" + img.serial + "/"
	if fs, err := h.ListFiles(dir, "", 1, ""); err != nil {
		return nil, err
	} else if len(fs) > 0 {
		return nil, fail(409, "image "+img.product()+" serial "+img.serial+" already exists")
	}
	ext := ".tar.gz"
	if img.kind == sdk.ArchiveTarXz {
		ext = ".tar.xz"
	}
	metaItem := item{Path: dir + "incus" + ext, SHA256: metaDigest, Size: metaPart.Size}
	items := map[string]item{}
	files := []sdk.StagedFile{}
	fingerprint := metaDigest
	if split {
		rootDigest, err := multipart.CopyPart(h, req.Body.Digest, rootPart)
		if err != nil {
			return nil, err
		}
		kind, err := rootfsKind(h, rootDigest, rootPart.Size)
		if err != nil {
			return nil, err
		}
		combined, err := sdk.ConcatBlobs(h, []string{metaDigest, rootDigest})
		if err != nil {
			return nil, err
		}
		fingerprint = combined.Digest
		switch kind {
		case rootSquashfs:
			metaItem.CombinedSquashFs = fingerprint
		case rootQcow2:
			metaItem.CombinedDiskKvm = fingerprint
		case rootTarXz:
			metaItem.CombinedRootXz, metaItem.CombinedSHA256 = fingerprint, fingerprint
		}
		rootItem := item{FileType: kind.ftype, Path: dir + kind.file, SHA256: rootDigest, Size: rootPart.Size}
		items[kind.file] = rootItem
		files = append(files, sdk.StagedFile{Path: rootItem.Path, BlobDigest: rootDigest, ContentType: "application/octet-stream"})
		for _, ft := range []string{"incus.tar.xz", "lxd.tar.xz"} {
			it := metaItem
			it.FileType = ft
			items[ft] = it
		}
	} else {
		metaItem.Path = dir + "image" + ext
		for _, ft := range []string{"incus_combined.tar.gz", "lxd_combined.tar.gz"} {
			it := metaItem
			it.FileType = ft
			items[ft] = it
		}
	}
	ct := "application/gzip"
	if img.kind == sdk.ArchiveTarXz {
		ct = "application/x-xz"
	}
	files = append(files, sdk.StagedFile{Path: metaItem.Path, BlobDigest: metaDigest, ContentType: ct})
	rendered, err := json.Marshal(items)
	if err != nil {
		return nil, err
	}
	vm := versionMeta{OS: img.os, Release: img.release, ReleaseTitle: img.release, Arch: img.arch, Variant: img.variant,
		Aliases: img.aliases(), Description: clip(img.description), Fingerprint: fingerprint, Items: rendered}
	stored, err := json.Marshal(vm)
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		f.Package, f.Version, f.Metadata = img.product(), img.serial, fileMetadata(f.Path, metaItem.Path, rendered)
		if err := h.StageFile(f); err != nil {
			return nil, err
		}
	}
	if err := h.StageVersion(sdk.VersionPut{Package: img.product(), Version: img.serial, Metadata: stored}); err != nil {
		return nil, err
	}
	return jsonResponse(201, map[string]any{"type": "sync", "status": "Created", "status_code": 201,
		"metadata": map[string]any{"fingerprint": fingerprint, "product": img.product(), "serial": img.serial,
			"aliases": strings.Split(img.aliases(), ",")}}, 0), nil
}

// image is a checked metadata.yaml.
type image struct {
	kind                               sdk.ArchiveKind
	os, release, arch, variant, serial string
	description                        string
}

func (i image) product() string { return i.os + ":" + i.release + ":" + i.arch + ":" + i.variant }

// aliases are the image server's: os/release/variant, and os/release for
// the default variant.
func (i image) aliases() string {
	a := strings.ToLower(i.os + "/" + i.release + "/" + i.variant)
	if i.variant == "default" {
		a += "," + strings.ToLower(i.os+"/"+i.release)
	}
	return a
}

// archiveKind tells a gzip from an xz stream by its magic.
func archiveKind(h sdk.Host, digest string) (sdk.ArchiveKind, bool) {
	head, err := h.ReadBlob(digest, 0, 6)
	switch {
	case err != nil || len(head) < 6:
		return 0, false
	case head[0] == 0x1f && head[1] == 0x8b:
		return sdk.ArchiveTarGz, true
	case string(head) == "\xfd7zXZ\x00":
		return sdk.ArchiveTarXz, true
	}
	return 0, false
}

// rootfsKind tells the rootfs by its magic: a squashfs superblock, a
// qcow2 header, or an xz stream (root.tar.xz).
func rootfsKind(h sdk.Host, digest string, size uint64) (rootKind, error) {
	head, err := h.ReadBlob(digest, 0, 6)
	if err != nil || size < 6 || len(head) < 6 {
		return rootKind{}, fail(400, "invalid rootfs: too short to be an image")
	}
	switch {
	case string(head[:4]) == "hsqs":
		return rootSquashfs, nil
	case string(head[:4]) == "QFI\xfb":
		return rootQcow2, nil
	case string(head) == "\xfd7zXZ\x00":
		return rootTarXz, nil
	}
	return rootKind{}, fail(400, "invalid rootfs: neither a squashfs, a qcow2 disk nor a tar.xz")
}

// readImageMeta checks the tarball's entries (clean relative names, the
// unpacked size, rootfs/ present for a unified tarball) and reads and
// checks metadata.yaml.
func readImageMeta(h sdk.Host, digest string, split bool) (*image, error) {
	kind, ok := archiveKind(h, digest)
	if !ok {
		return nil, fail(400, "invalid metadata tarball: neither gzip nor xz compressed")
	}
	maxEntries, maxUnpacked := uint32(maxMetaEntries), uint64(maxMetaUnpacked)
	if !split {
		maxEntries, maxUnpacked = maxUnifiedEntries, maxUnifiedUnpacked
	}
	entries, err := h.ArchiveList(digest, kind, maxEntries)
	if err != nil {
		return nil, fail(400, "invalid metadata tarball: "+err.Error())
	}
	var total uint64
	found, rootfs := "", false
	for _, e := range entries {
		n := strings.TrimSuffix(strings.TrimPrefix(e.Name, "./"), "/")
		if n == "" || n == "." {
			continue
		}
		if strings.HasPrefix(n, "/") || strings.Contains(n, "\\") || path.Clean(n) != n || n == ".." || strings.HasPrefix(n, "../") {
			return nil, fail(400, "invalid metadata tarball: entry "+strconv.Quote(clip(e.Name))+" is not a clean relative path")
		}
		if total += e.Size; total > maxUnpacked {
			return nil, fail(400, "invalid metadata tarball: it unpacks to more than "+strconv.FormatUint(maxUnpacked>>20, 10)+" MiB")
		}
		if n == "metadata.yaml" && !e.IsDir {
			found = e.Name
		}
		if n == "rootfs" || strings.HasPrefix(n, "rootfs/") {
			rootfs = true
		}
	}
	if found == "" {
		return nil, fail(400, "invalid metadata tarball: no metadata.yaml at its top")
	}
	if !split && !rootfs {
		return nil, fail(400, "no \"rootfs\" file field, and the tarball is not a unified image (no rootfs/ directory)")
	}
	raw, err := h.ArchiveRead(digest, kind, found, maxMetaYAML)
	if err != nil {
		return nil, fail(400, "invalid metadata tarball: metadata.yaml: "+err.Error())
	}
	return checkMeta(parseMetaYAML(raw), kind)
}

func checkMeta(m imageMeta, kind sdk.ArchiveKind) (*image, error) {
	img := &image{kind: kind, os: m.Properties["os"], release: m.Properties["release"], variant: m.Properties["variant"],
		description: m.Properties["description"]}
	if img.variant == "" {
		img.variant = "default"
	}
	arch := m.Architecture
	if arch == "" {
		arch = m.Properties["architecture"]
	}
	if img.arch = archNames[arch]; img.arch == "" {
		return nil, fail(400, "metadata.yaml: architecture "+strconv.Quote(clip(arch))+" is not one the clients know")
	}
	for _, f := range []struct{ name, v string }{{"os", img.os}, {"release", img.release}, {"variant", img.variant}} {
		if !validName(f.v) {
			return nil, fail(400, "metadata.yaml: properties."+f.name+" "+strconv.Quote(clip(f.v))+
				" must be 1-64 letters, digits, '.', '_' or '-'")
		}
	}
	img.serial = m.Properties["serial"]
	if img.serial == "" {
		secs, err := strconv.ParseInt(m.CreationDate, 10, 64)
		if err != nil || secs <= 0 || secs > 1<<40 {
			return nil, fail(400, "metadata.yaml: no properties.serial and creation_date "+strconv.Quote(clip(m.CreationDate))+
				" is not a Unix time")
		}
		img.serial = time.Unix(secs, 0).UTC().Format("20060102_1504")
	}
	if !validSerial(img.serial) {
		return nil, fail(400, "metadata.yaml: serial "+strconv.Quote(clip(img.serial))+
			" must start with the build date (YYYYMMDD) and hold only letters, digits, '_', ':', '.' or '-'")
	}
	return img, nil
}

func validName(s string) bool {
	if s == "" || len(s) > 64 || s[0] == '.' || s[0] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// validSerial: the clients take a version name's first 8 characters as
// its date (time.Parse("20060102", name[0:8]) in ToAPI) and skip others.
func validSerial(s string) bool {
	if len(s) < 8 || len(s) > 32 {
		return false
	}
	if _, err := time.Parse("20060102", s[:8]); err != nil {
		return false
	}
	for i := 8; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == ':' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}
