// Package localphone is how the dev stack tells `starter phone` where to
// send the console phone's answers: the gateway's address and the token
// the answers are signed with, in a file of the stack's data directory.
package localphone

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// File is the file's name in the data directory.
const File = "local-phone.json"

// Gateway is where answers go and what signs them.
type Gateway struct {
	URL   string `json:"url"`
	Token string `json:"token"`
}

// Write leaves g in dir, readable by this user only, and returns the
// file's path.
func Write(dir string, g Gateway) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	b, err := json.Marshal(g)
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, File)
	return path, os.WriteFile(path, b, 0o600)
}

// ErrNoStack: dir has no file, so no dev stack runs from it.
var ErrNoStack = errors.New("no dev stack")

// Read reads what a dev stack left in dir.
func Read(dir string) (Gateway, error) {
	path := filepath.Join(dir, File)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return Gateway{}, fmt.Errorf("%w answers here: %s has no %s", ErrNoStack, dir, File)
	}
	if err != nil {
		return Gateway{}, err
	}
	var g Gateway
	if err := json.Unmarshal(b, &g); err != nil || g.URL == "" || g.Token == "" {
		return Gateway{}, fmt.Errorf("%s is not what the dev stack writes", path)
	}
	return g, nil
}
