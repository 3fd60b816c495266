package http

// identitySchemas are the user, token, group, policy and audit bodies of the API.
var identitySchemas = func() obj {
	dt := obj{"type": "string", "format": "date-time", "nullable": true}
	rule := object(obj{"kind": obj{"type": "string", "enum": []string{"p", "g"}}, "subject": str(), "object": str(),
		"action": str(), "effect": obj{"type": "string", "enum": []string{"allow", "deny"}}}, "kind", "subject", "object")
	return obj{
		"User": object(obj{"id": integer(), "username": str(), "email": str(), "display_name": str(), "is_admin": boolean(),
			"disabled": boolean(), "must_change_password": boolean(), "service_account": boolean(), "locked_until": dt,
			"groups": arr(str()), "created_at": str(), "updated_at": str()}),
		"UserList": object(obj{"items": arr(ref("User")), "total": integer(), "offset": integer(), "limit": integer()}),
		"UserCreate": object(obj{"username": str(), "password": str(), "email": str(), "display_name": str(),
			"is_admin": boolean(), "must_change_password": boolean(), "service_account": boolean()}, "username"),
		"UserPatch": object(obj{"email": str(), "display_name": str(), "is_admin": boolean(), "disabled": boolean(),
			"unlock": boolean(), "password": str()}),
		"ProfilePatch":   object(obj{"email": str(), "display_name": str()}),
		"PasswordChange": object(obj{"current_password": str(), "new_password": str()}, "current_password", "new_password"),
		"Revoked":        object(obj{"revoked": integer()}),
		"TokenInfo": object(obj{"id": integer(), "name": str(), "prefix": str(), "scopes": arr(str()), "repositories": optArr(str()),
			"expires_at": dt, "last_used_at": dt, "revoked_at": dt, "created_at": str()}),
		"TokenList":      object(obj{"items": arr(ref("TokenInfo"))}),
		"Group":          object(obj{"id": integer(), "name": str(), "description": str(), "members": arr(integer()), "created_at": str()}),
		"GroupList":      object(obj{"items": arr(ref("Group")), "total": integer(), "offset": integer(), "limit": integer()}),
		"GroupCreate":    object(obj{"name": str(), "description": str()}, "name"),
		"GroupMembers":   object(obj{"members": arr(integer())}, "members"),
		"PolicyRule":     rule,
		"Policy":         object(obj{"version": integer(), "rules": arr(ref("PolicyRule"))}, "rules"),
		"PolicyCheck":    object(obj{"subject": str(), "repository": str(), "action": str()}, "action"),
		"PolicyDecision": object(obj{"allowed": boolean(), "decision": str(), "rule": str(), "subject": str(), "groups": arr(str()), "repository": str(), "action": str()}),
		"PolicyWho": object(obj{"repository": str(), "action": str(), "public": boolean(), "subjects": arr(str()),
			"users": arr(str()), "users_truncated": boolean()}),
		"AuditEvent": object(obj{"id": integer(), "at": str(), "actor": str(), "actor_id": integer(), "action": str(),
			"target": str(), "outcome": str(), "ip": str(), "detail": str()}),
		"AuditList":     object(obj{"items": arr(ref("AuditEvent")), "total": integer(), "offset": integer(), "limit": integer()}),
		"TOTPStatus":    object(obj{"enabled": boolean(), "recovery_codes_left": integer(), "required": boolean()}),
		"TOTPEnrolment": object(obj{"secret": str(), "otpauth_uri": str()}),
		"TOTPCode":      object(obj{"code": str()}, "code"),
		"TOTPRecovery":  object(obj{"recovery_codes": arr(str())}),
	}
}()
