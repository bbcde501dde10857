package io.drivebus.inventory.api;

/** Thrown by resources to answer with a problem document. */
public class ProblemException extends RuntimeException {
    final Problem problem;

    public ProblemException(Problem problem) {
        super(problem.detail());
        this.problem = problem;
    }

    static ProblemException notFound(String detail) {
        return new ProblemException(Problem.notFound(detail));
    }

    static ProblemException badRequest(String detail) {
        return new ProblemException(new Problem(Problem.TYPE_BASE + "bad-request", "Bad Request", 400, detail));
    }
}
