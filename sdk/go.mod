module github.com/gatehouse-oss/gatehouse/sdk

go 1.25.0
