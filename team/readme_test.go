package team

import (
	"os"
	"strings"
	"testing"
)

// The README's team file is an example people copy: it must load.
func TestTheREADMEsTeamFileIsValid(t *testing.T) {
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(data), "### The team file")
	_, block, ok2 := strings.Cut(after, "```yaml\n")
	block, _, ok3 := strings.Cut(block, "```")
	if !ok || !ok2 || !ok3 {
		t.Fatal("the README has no team file example under \"### The team file\"")
	}
	if _, err := Parse([]byte(block)); err != nil {
		t.Errorf("the README's team file does not load: %v", err)
	}
}
