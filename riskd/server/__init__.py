"""The gRPC edge of riskd: conversion, auth, limits, errors, and `create_server`."""
