package bunstore

import "context"

// GetOrCreateSetting stores def under key unless a value exists, then returns
// the stored value: INSERT … ON CONFLICT DO NOTHING makes concurrent callers
// (across replicas too) agree on the first writer's value.
func (s *Store) GetOrCreateSetting(ctx context.Context, key string, def []byte) ([]byte, error) {
	const op = "get or create setting"
	if def == nil {
		def = []byte{}
	}
	row := settingRow{Key: key, Value: def}
	if _, err := s.db.NewInsert().Model(&row).On("CONFLICT (key) DO NOTHING").Exec(ctx); err != nil {
		return nil, wrap(op, err)
	}
	var got settingRow
	if err := s.db.NewSelect().Model(&got).Where("key = ?", key).Scan(ctx); err != nil {
		return nil, wrap(op, err)
	}
	if got.Value == nil {
		got.Value = []byte{}
	}
	return got.Value, nil
}
