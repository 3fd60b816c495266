package helm

// fixtureName is the chart `helm package` made (see testdata/SOURCE).
const fixtureName = "keeper-demo-0.1.0.tgz"
