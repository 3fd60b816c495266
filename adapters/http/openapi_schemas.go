package http

type obj = map[string]any

func str() obj            { return obj{"type": "string"} }
func integer() obj        { return obj{"type": "integer"} }
func boolean() obj        { return obj{"type": "boolean"} }
func ref(name string) obj { return obj{"$ref": "#/components/schemas/" + name} }
func arr(item obj) obj    { return obj{"type": "array", "items": item} }

// optArr is an array that is null when empty (a Go nil slice).
func optArr(item obj) obj { return obj{"type": "array", "items": item, "nullable": true} }
func object(props obj, required ...string) obj {
	o := obj{"type": "object", "properties": props}
	if len(required) > 0 {
		o["required"] = required
	}
	return o
}

// schemas are the JSON bodies of the API, named in Operation.Body/Returns.
var schemas = obj{
	"Error":        object(obj{"error": object(obj{"code": str(), "message": str()}, "code", "message")}, "error"),
	"Login":        object(obj{"username": str(), "password": str(), "totp": str()}, "username", "password"),
	"Refresh":      object(obj{"refresh_token": str()}, "refresh_token"),
	"Session":      object(obj{"access_token": str(), "refresh_token": str(), "expires_in": integer(), "token_type": str()}),
	"Me":           object(obj{"id": integer(), "username": str(), "is_admin": boolean()}),
	"TokenRequest": object(obj{"name": str(), "scopes": arr(str()), "repositories": arr(str()), "expires_in_days": integer()}, "name"),
	"Token": object(obj{"id": integer(), "name": str(), "token": str(), "prefix": str(), "scopes": arr(str()),
		"repositories": optArr(str()), "expires_at": obj{"type": "string", "format": "date-time", "nullable": true}}),
	"Member":     object(obj{"repo_key": str(), "priority": integer()}, "repo_key"),
	"Members":    object(obj{"member_repos": arr(ref("Member"))}, "member_repos"),
	"MemberList": object(obj{"items": arr(ref("Member"))}),
	"RepositoryCreate": object(obj{"key": str(), "name": str(), "format": str(),
		"repo_type": obj{"type": "string", "enum": []string{"local", "remote", "virtual", "staging"}},
		"is_public": boolean(), "description": str(), "upstream_url": str(), "allow_overwrite": boolean(),
		"config": repoConfig(), "member_repos": arr(ref("Member"))}, "key", "format"),
	"RepositoryPatch": object(obj{"name": str(), "description": str(), "is_public": boolean(), "upstream_url": str(),
		"allow_overwrite": boolean(), "config": repoConfig(), "member_repos": arr(ref("Member"))}),
	"Repository": object(obj{"id": integer(), "key": str(), "name": str(), "format": str(), "repo_type": str(),
		"is_public": boolean(), "description": str(), "upstream_url": str(), "allow_overwrite": boolean(),
		"config": repoConfig(), "member_repos": arr(ref("Member")),
		"secrets_set": arr(str()), "created_at": str(), "updated_at": str()}),
	"RepositoryList": object(obj{"items": arr(ref("Repository")), "total": integer(), "offset": integer(), "limit": integer()}),
	"Artifact": object(obj{"path": str(), "size": integer(), "content_type": str(), "checksum_sha256": str(),
		"checksum_sha1": str(), "checksum_md5": str(), "download_url": str(), "created_at": str(),
		"properties": obj{"$ref": "#/components/schemas/Properties", "description": "only on GET of one artifact"}}),
	"ArtifactList": object(obj{"items": arr(ref("Artifact")), "next_after": str()}),
	"UploadStart": object(obj{"repository_key": str(), "artifact_path": str(), "total_size": integer(), "checksum_sha256": str()},
		"repository_key", "artifact_path", "total_size", "checksum_sha256"),
	"Upload": object(obj{"session_id": str(), "repository_key": str(), "artifact_path": str(), "total_size": integer(),
		"checksum_sha256": str(), "offset": integer()}),
}

// repoConfig is a repository's settings: free-form strings, with the keys
// the host reads named (docs/remote-repositories.md, docs/virtual-repositories.md).
func repoConfig() obj {
	return obj{"type": "object", "additionalProperties": str(),
		"description": "Settings by name. Remote: cache_ttl, negative_cache_ttl, upstream_username, upstream_password, upstream_token. Virtual: deploy_to.",
		"properties": obj{
			"deploy_to":          obj{"type": "string", "description": "virtual repositories: the key of the local member that receives what is published to the virtual URL; without it writes answer 405"},
			"cache_ttl":          obj{"type": "string", "description": "remote repositories: how long a mutable file is served before revalidation (Go duration or seconds; default 5m)"},
			"negative_cache_ttl": obj{"type": "string", "description": "remote repositories: how long an upstream 404 is remembered (default 1m)"},
		}}
}
