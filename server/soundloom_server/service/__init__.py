"""The gRPC servicer and HTTP/JSON gateway (see the server issue)."""
