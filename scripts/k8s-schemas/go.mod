module github.com/feature-analytics/k8s-schemas

go 1.26
