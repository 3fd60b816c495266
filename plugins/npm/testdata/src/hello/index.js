module.exports = () => "hello from keeper";
