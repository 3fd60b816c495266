package swift

// SetPageSize sets the releases per page of §4.1 and returns the old value.
func SetPageSize(n int) int { old := pageSize; pageSize = n; return old }
