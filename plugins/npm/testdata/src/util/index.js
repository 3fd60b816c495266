module.exports = require("hello-keeper");
