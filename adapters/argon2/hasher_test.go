package argon2

import "testing"

func TestHashVerify(t *testing.T) {
	h := New()
	hash, err := h.Hash("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := h.Verify(hash, "correct horse"); !ok || err != nil {
		t.Fatalf("right password refused: %v %v", ok, err)
	}
	if ok, _ := h.Verify(hash, "wrong"); ok {
		t.Fatal("wrong password accepted")
	}
	other, _ := h.Hash("correct horse")
	if other == hash {
		t.Fatal("salt not random")
	}
	for _, bad := range []string{"", "$argon2id$v=19$m=1,t=1,p=1$$", "$bcrypt$x", "$argon2id$v=19$m=99999999,t=1,p=1$c2FsdA$aGFzaA"} {
		if _, err := h.Verify(bad, "x"); err == nil {
			t.Errorf("malformed hash %q accepted", bad)
		}
	}
}
