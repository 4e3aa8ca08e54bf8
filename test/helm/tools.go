//go:build tools

// Package tools pins the Helm the chart's tests run, so that `go mod tidy` keeps its dependencies
// and `go build` resolves them at the versions in go.mod. It is a module of its own, apart from the
// test fleet's, so that changing one never changes (and rebuilds) the other.
package tools

import (
	_ "helm.sh/helm/v4/cmd/helm"
)
